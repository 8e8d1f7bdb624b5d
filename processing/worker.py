"""The RQ worker class for CROW (settings.RQ["WORKER_CLASS"]).

A SimpleWorker runs jobs in its own process instead of forking a work horse per job, so the local
embedding model is loaded once per worker process and reused by every job; forking would load it
again in every horse (seconds per session), or share torch thread pools across a fork. Timeouts
still apply (RQ's signal death penalty works in the main thread). Connections are checked around
each job, as Django does around each request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from rq import Queue, SimpleWorker
from rq.job import Job


class SessionWorker(SimpleWorker):
    def bootstrap(self, *args: Any, **kwargs: Any) -> None:
        # Registered (and so visible to /healthz) first, then the model: loading it takes seconds.
        super().bootstrap(*args, **kwargs)
        if settings.CROW_EMBEDDINGS == "local" and settings.CROW_EMBEDDINGS_PRELOAD:
            from processing.embedders.local import local_model

            local_model()

    def execute_job(self, job: Job, queue: Queue) -> None:
        # What Django does around each request, done around each job: a connection that failed (the
        # database restarted) or outlived CONN_MAX_AGE is dropped, so the next job — or the retry
        # of this one — reconnects instead of failing on the dead connection again.
        _close_old_connections()
        try:
            super().execute_job(job, queue)
        finally:
            _close_old_connections()


def _close_old_connections() -> None:
    # Not inside a transaction someone holds open (a test, or a caller running jobs in burst mode
    # within one): closing would end it.
    if not any(conn.in_atomic_block for conn in connections.all()):
        close_old_connections()
