"""Retention: delete what is older than each organization's retention_days, everywhere it lives.

Events: a whole monthly partition of ingestion_event is dropped when every organization's retention
has passed its end (cheap, no vacuum); rows in partitions still needed by some org are deleted by
organization and time. Then the event keys, quarantine, sessions (their runs and interactions go
with them), interactions, dead letters and archive files."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from ingestion.models import QuarantinedEvent, Session
from organizations.models import Organization
from processing import archive
from processing.models import DeadLetter, Interaction

logger = logging.getLogger(__name__)

PARTITION_NAME = re.compile(r"^ingestion_event_(\d{4})_(\d{2})$")


def _partition_end(name: str) -> datetime | None:
    match = PARTITION_NAME.match(name)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def event_partitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'ingestion_event'::regclass ORDER BY c.relname"
        )
        return [row[0] for row in cursor.fetchall()]


def partitions_drop_before(*, cutoff: datetime) -> list[str]:
    """Drop monthly partitions that end at or before `cutoff` (every org's oldest allowed moment)."""
    dropped = []
    for name in event_partitions():
        end = _partition_end(name)
        if end is None or end > cutoff:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE ingestion_event DETACH PARTITION "{name}"')
            cursor.execute(f'DROP TABLE "{name}"')
        dropped.append(name)
    return dropped


def organization_retention_apply(*, organization: Organization, now: datetime) -> dict[str, int]:
    cutoff = now - timedelta(days=organization.retention_days)
    org_id = organization.pk
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ingestion_event WHERE organization_id = %s AND timestamp < %s", [org_id, cutoff])
        counts["events"] = cursor.rowcount
        cursor.execute("DELETE FROM ingestion_eventkey WHERE organization_id = %s AND timestamp < %s", [org_id, cutoff])
        counts["event_keys"] = cursor.rowcount
    counts["quarantine"], _ = QuarantinedEvent.objects.for_org(org_id).filter(received_at__lt=cutoff).delete()
    counts["interactions"], _ = Interaction.objects.for_org(org_id).filter(ended_at__lt=cutoff).delete()
    _, by_model = Session.objects.for_org(org_id).filter(last_seen__lt=cutoff).delete()
    counts["sessions"] = by_model.get("ingestion.Session", 0)
    counts["dead_letters"], _ = DeadLetter.objects.for_org(org_id).filter(created_at__lt=cutoff).delete()
    counts["archive_files"] = archive.archive_delete_before(organization_id=org_id, cutoff=cutoff.date())
    return counts


def retention_run(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    organizations = list(Organization.objects.all().only("id", "retention_days"))
    totals: dict[str, int] = {"partitions_dropped": 0}
    if not organizations:
        return totals
    longest = max(o.retention_days for o in organizations)
    dropped = partitions_drop_before(cutoff=now - timedelta(days=longest))
    totals["partitions_dropped"] = len(dropped)
    for organization in organizations:
        for key, value in organization_retention_apply(organization=organization, now=now).items():
            totals[key] = totals.get(key, 0) + value
    logger.info("retention_run", extra={"totals": totals, "dropped": dropped})
    return totals
