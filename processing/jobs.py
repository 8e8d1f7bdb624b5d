"""RQ jobs: thin functions that load by id and call a service.

The session job owns its retry policy: ingest enqueues it by dotted path (CROW_SESSION_JOB) and may
not pass a Retry, so on the first failure the job gives itself CROW_SESSION_RETRY_MAX retries with
exponential backoff; when they are used up, the failure becomes a DeadLetter row."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rq import get_current_job

from processing import retention, services

logger = logging.getLogger(__name__)


def session_process_job(*, organization_id: int, session_id: str) -> dict[str, Any]:
    job = get_current_job()
    try:
        run = services.session_process(organization_id=organization_id, session_key=session_id)
    except Exception as exc:
        if job is not None and job.retries_left is None:
            retry = services.session_retry()
            if retry is not None:
                job.retries_left = retry.max
                job.retry_intervals = retry.intervals
        if job is None or not job.should_retry:
            attempts = settings.CROW_SESSION_RETRY_MAX + 1 if job is not None else 1
            services.dead_letter_record(
                organization_id=organization_id,
                session_key=session_id,
                job_id=job.id if job is not None else "",
                error=exc,
                attempts=attempts,
            )
            logger.error("session_process_dead_letter", extra={"org": organization_id, "error": type(exc).__name__})
        raise
    if run is None:
        return {"status": "missing"}
    return {"run_id": run.pk, "status": run.status, "event_count": run.event_count}


def retention_job() -> dict[str, int]:
    return retention.retention_run()
