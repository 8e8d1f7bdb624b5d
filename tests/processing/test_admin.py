from __future__ import annotations

from typing import Any

import pytest

from organizations.models import Role
from processing.models import DeadLetter, Interaction
from tests.factories import OrgFactory, UserFactory, events_insert
from tests.processing.conftest import ACCEPTANCE_EVENTS

pytestmark = pytest.mark.django_db


def test_dead_letters_scoped_and_requeue_recovers(
    client: Any, sessions_queue: Any, run_queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mine = OrgFactory.with_catalog(OrgFactory.create(name="Mine"))
    theirs = OrgFactory.create(name="Theirs")
    events_insert(mine, "s-dead", ACCEPTANCE_EVENTS)
    letter = DeadLetter.objects.create(organization=mine, session_key="s-dead", job_id="x", func="f", error="boom")
    DeadLetter.objects.create(organization=theirs, session_key="secret-session", job_id="y", func="f", error="boom")
    owner = OrgFactory.member(mine, Role.OWNER)
    viewer = OrgFactory.member(mine, Role.VIEWER, user=UserFactory.create())

    client.force_login(owner)
    page = client.get("/admin/processing/deadletter/")
    assert page.status_code == 200
    assert b"s-dead" in page.content and b"secret-session" not in page.content

    client.force_login(viewer)
    page = client.get("/admin/processing/deadletter/")
    assert page.status_code == 200
    assert b"Requeue the selected" not in page.content  # viewers may look, not requeue

    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/processing/deadletter/", {"action": "requeue", "_selected_action": [letter.pk]})
    assert response.status_code == 302
    run_queue()
    assert Interaction.objects.for_org(mine).get().session_key == "s-dead"
    letter.refresh_from_db()
    assert letter.requeued_at is not None


def test_interactions_admin_hides_other_orgs(client: Any, processing_settings: Any) -> None:
    from processing import services

    mine, theirs = OrgFactory.create(name="M"), OrgFactory.create(name="T")
    events_insert(theirs, "their-session", ACCEPTANCE_EVENTS)
    services.session_process(organization_id=theirs.pk, session_key="their-session")
    client.force_login(OrgFactory.member(mine, Role.OWNER))
    page = client.get("/admin/processing/interaction/")
    assert page.status_code == 200
    assert b"their-session" not in page.content
