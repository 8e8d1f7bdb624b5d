from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from ingestion.models import Session
from processing.models import Interaction
from tests.factories import OrgFactory, events_insert
from tests.processing.conftest import ACCEPTANCE_EVENTS, EXPECTED_SUMMARY


@pytest.mark.django_db(transaction=True)
def test_process_sessions_now_then_interactions_json(sessions_queue: Any, processing_settings: Any) -> None:
    processing_settings.CROW_SESSION_IDLE_SECONDS = 4 * 3600  # the inserted sessions (an hour old) are not idle
    shop = OrgFactory.with_catalog(OrgFactory.create(name="Cmd Shop"))
    other = OrgFactory.with_catalog(OrgFactory.create(name="Other"))
    events_insert(shop, "open-1", ACCEPTANCE_EVENTS)  # open, recent: only --now takes it
    events_insert(shop, "open-2", ACCEPTANCE_EVENTS[:1])
    events_insert(other, "theirs", ACCEPTANCE_EVENTS)

    out = StringIO()
    call_command("process_sessions", "--org", shop.slug, stdout=out)
    assert "enqueued 0 session(s)" in out.getvalue()

    out = StringIO()
    call_command("process_sessions", "--org", shop.slug, "--now", stdout=out)
    assert "enqueued 2 session(s)" in out.getvalue()
    assert "processed 2 of 2" in out.getvalue()
    assert Interaction.objects.for_org(shop).count() == 2
    assert not Interaction.objects.for_org(other).exists()
    assert Session.objects.for_org(other).get().status == "open"

    out = StringIO()
    call_command("interactions", "--org", shop.slug, "--session", "open-1", "--json", stdout=out)
    [row] = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["session_id"] == "open-1"
    assert row["summary"] == EXPECTED_SUMMARY
    assert row["intent"] == "purchasing"
    assert row["products"] == ["Laptop X1"]
    assert row["interpreter"] == "rules"

    out = StringIO()
    call_command("interactions", "--org", shop.slug, stdout=out)
    assert len(out.getvalue().splitlines()) == 2
