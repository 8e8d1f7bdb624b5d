"""The RQ worker class for CROW (settings.RQ["WORKER_CLASS"]).

A SimpleWorker runs jobs in its own process instead of forking a work horse per job, so the local
embedding model is loaded once per worker process and reused by every job; forking would load it
again in every horse (seconds per session), or share torch thread pools across a fork. Timeouts
still apply (RQ's signal death penalty works in the main thread)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rq import SimpleWorker


class SessionWorker(SimpleWorker):
    def work(self, *args: Any, **kwargs: Any) -> bool:
        if settings.CROW_EMBEDDINGS == "local" and settings.CROW_EMBEDDINGS_PRELOAD:
            from processing.embedders.local import local_model

            local_model()
        return super().work(*args, **kwargs)
