"""The hand-off from ingestion to processing: put a session on the RQ queue "sessions".

Ingestion never imports processing: the job is named by its dotted path (settings.CROW_SESSION_JOB)
and RQ imports it in the worker. The job id is deterministic, so enqueueing a session that is already
waiting is a no-op; the session row records what happened (open → queued, enqueued_at).
"""

from __future__ import annotations

import hashlib
import logging

import django_rq
import redis
from django.conf import settings
from django.db import connection
from rq import Queue
from rq.job import JobStatus

logger = logging.getLogger(__name__)

QUEUE = "sessions"
_WAITING = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def session_job_id(*, organization_id: int, session_id: str) -> str:
    """session_<org>_<sha256 of the session id, 32 hex>: RQ 3 allows only [A-Za-z0-9_-] in job ids,
    and session ids are whatever the client sent."""
    digest = hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"session_{organization_id}_{digest}"


def session_enqueue(
    *, organization_id: int, session_id: str, replace: bool = False, queue: Queue | None = None
) -> bool:
    """Enqueue the session's processing job now; True when it is on the queue.

    Call it after the commit that stored the session's events (the ingest service does so through
    transaction.on_commit). Marks the session queued first, so processing — which sets it processed —
    can never be overwritten by this. `replace` (the sweep, for a session queued too long) enqueues
    even when RQ still holds a waiting job under that id — the job was lost from the queue. `queue`
    defaults to the "sessions" queue (processing passes its own in burst runs and tests).
    When Redis is down it returns False, puts the session back to
    open and never raises: the idle sweep enqueues it later.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ingestion_session SET status = 'queued', enqueued_at = now() "
            "WHERE organization_id = %s AND session_id = %s RETURNING status",
            [organization_id, session_id],
        )
        if cursor.fetchone() is None:
            return False  # no such session in this organization
    job_id = session_job_id(organization_id=organization_id, session_id=session_id)
    try:
        queue = queue or django_rq.get_queue(QUEUE)
        job = queue.fetch_job(job_id)
        if job is not None and not replace and job.get_status(refresh=False) in _WAITING:
            return True  # already waiting: the deterministic id makes this a no-op
        if job is not None:
            job.delete()
        queue.enqueue(
            settings.CROW_SESSION_JOB,
            kwargs={"organization_id": organization_id, "session_id": session_id},
            job_id=job_id,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,  # failed jobs stay inspectable for a week; dead letters keep them after
        )
    except (redis.RedisError, OSError) as exc:
        logger.warning(
            "session_enqueue_failed", extra={"organization_id": organization_id, "error": type(exc).__name__}
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ingestion_session SET status = 'open', enqueued_at = NULL "
                "WHERE organization_id = %s AND session_id = %s AND status = 'queued'",
                [organization_id, session_id],
            )
        return False
    return True
