from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from ingestion.models import Event, QuarantinedEvent, Session
from processing import archive, services
from processing.models import Interaction
from processing.retention import event_partitions, retention_run
from tests.factories import OrgFactory, events_insert
from tests.processing.conftest import ACCEPTANCE_EVENTS

pytestmark = pytest.mark.django_db


def test_retention_deletes_per_org_and_drops_whole_partitions(processing_settings: Any) -> None:
    now = timezone.now()
    short = OrgFactory.with_catalog(OrgFactory.create(name="Short", retention_days=5))
    long = OrgFactory.with_catalog(OrgFactory.create(name="Long", retention_days=30))
    old = now - timedelta(days=10)
    for org in (short, long):
        events_insert(org, "old", [{**e, "start": old} for e in ACCEPTANCE_EVENTS])
        events_insert(org, "new", [{**e, "start": now - timedelta(hours=1)} for e in ACCEPTANCE_EVENTS])
        services.session_process(organization_id=org.pk, session_key="old")
        services.session_process(organization_id=org.pk, session_key="new")
        QuarantinedEvent.objects.create(organization=org, batch_index=0, received_at=old, errors=["bad"])
    # A month long past every org's retention: its partition goes whole.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE ingestion_event_2001_01 PARTITION OF ingestion_event "
            "FOR VALUES FROM ('2001-01-01 00:00+00') TO ('2001-02-01 00:00+00')"
        )
    events_insert(long, "ancient", [{"type": "page_view", "url_path": "/", "start": datetime(2001, 1, 5, tzinfo=UTC)}])
    short_archive = archive.archive_name(organization_id=short.pk, session_key="old", day=old.date())
    long_archive = archive.archive_name(organization_id=long.pk, session_key="old", day=old.date())
    assert storages["archive"].exists(short_archive)

    totals = retention_run(now=now)

    assert totals["partitions_dropped"] == 1
    assert "ingestion_event_2001_01" not in event_partitions()
    assert set(Event.objects.for_org(short).values_list("session_id", flat=True)) == {"new"}
    assert set(Event.objects.for_org(long).values_list("session_id", flat=True)) == {"old", "new"}
    assert set(Session.objects.for_org(short).values_list("session_id", flat=True)) == {"new"}
    assert set(Session.objects.for_org(long).values_list("session_id", flat=True)) == {"old", "new"}
    assert set(Interaction.objects.for_org(short).values_list("session_key", flat=True)) == {"new"}
    assert Interaction.objects.for_org(long).count() == 2
    assert not QuarantinedEvent.objects.for_org(short).exists()
    assert QuarantinedEvent.objects.for_org(long).count() == 1
    assert not storages["archive"].exists(short_archive)
    assert storages["archive"].exists(long_archive)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ingestion_eventkey WHERE organization_id = %s", [short.pk])
        assert cursor.fetchone()[0] == len(ACCEPTANCE_EVENTS)


def test_retention_is_registered_with_the_scheduler() -> None:
    from rq import cron

    import crow.cron  # noqa: F401 - registers the jobs

    registered = [str(job.get("func")) + str(job.get("func_name", "")) for job in cron._job_data_registry]
    assert any("retention_job" in name for name in registered)
