"""Periodic ingestion jobs, registered in crow/cron.py."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from ingestion.handoff import session_enqueue
from ingestion.limits import usage_flush

STUCK_QUEUED_SECONDS = 600
SWEEP_BATCH = 2000

_SWEEP_SQL = """
SELECT organization_id, session_id, status = 'queued' FROM ingestion_session
WHERE (status = 'open' AND (last_seen < now() - make_interval(secs => %(idle)s) OR ended_at IS NOT NULL))
   OR (status = 'processed' AND event_count > processed_event_count
       AND last_seen < now() - make_interval(secs => %(idle)s))
   OR (status = 'queued' AND enqueued_at < now() - make_interval(secs => %(stuck)s))
ORDER BY last_seen
LIMIT %(limit)s
"""


def idle_sessions_sweep_job() -> int:
    """Enqueue sessions that went idle (or grew after processing), ended ones whose enqueue was
    missed (Redis was down), and queued ones whose job was lost. Returns how many were enqueued."""
    with connection.cursor() as cursor:
        cursor.execute(
            _SWEEP_SQL,
            {"idle": settings.CROW_SESSION_IDLE_SECONDS, "stuck": STUCK_QUEUED_SECONDS, "limit": SWEEP_BATCH},
        )
        rows = cursor.fetchall()
    enqueued = 0
    for organization_id, session_id, stuck in rows:
        if session_enqueue(organization_id=organization_id, session_id=session_id, replace=stuck):
            enqueued += 1
        else:
            break  # Redis is down: the next sweep tries again
    return enqueued


def usage_flush_job() -> int:
    """Move finished per-minute usage counters from Redis into KeyUsage."""
    return usage_flush()
