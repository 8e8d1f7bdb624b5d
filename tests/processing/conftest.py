"""Fixtures for processing: the real "sessions" queue on the test Redis, worked in-process in burst
mode by RQ's SimpleWorker; the archive in a temporary folder; retries without backoff."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django_rq
import pytest
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry


def _empty(queue: Queue) -> None:
    queue.empty()
    for registry in (FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry):
        reg = registry(queue.name, connection=queue.connection)
        for job_id in reg.get_job_ids():
            # An entry may outlive its job (expired, or deleted by another test): drop both, whichever exist.
            job = queue.fetch_job(job_id)
            reg.remove(job_id)
            if job is not None:
                job.delete()


@pytest.fixture
def processing_settings(settings: Any, tmp_path: Path) -> Any:
    settings.CROW_SESSION_RETRY_MAX = 2
    settings.CROW_SESSION_RETRY_BASE_SECONDS = 0
    settings.CROW_INTERPRETER = "rules"
    settings.CROW_EMBEDDINGS = "local"
    settings.OPENAI_API_KEY = ""
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "archive")},
        },
    }
    return settings


@pytest.fixture
def sessions_queue(processing_settings: Any) -> Iterator[Queue]:
    # "auto": a test's transaction never commits, so the default on-commit enqueue would never happen.
    queue = django_rq.get_queue("sessions", commit_mode="auto")
    _empty(queue)
    yield queue
    _empty(queue)


@pytest.fixture
def run_queue(sessions_queue: Queue) -> Callable[[], None]:
    def run() -> None:
        SimpleWorker([sessions_queue], connection=sessions_queue.connection).work(burst=True, with_scheduler=False)

    return run


@pytest.fixture
def shop(org_factory: Any) -> Any:
    from tests.factories import OrgFactory

    return OrgFactory.with_catalog(OrgFactory.create(name="Shop"))


ACCEPTANCE_EVENTS: list[dict[str, Any]] = [
    {"type": "page_view", "url_path": "/products/laptop-x1", "title": "Laptop X1", "t": 0},
    {"type": "click", "element": "add_to_cart", "url_path": "/products/laptop-x1", "t": 20},
    {"type": "page_view", "url_path": "/cart", "t": 25},
    {"type": "click", "element": "checkout", "url_path": "/cart", "t": 32},
]
EXPECTED_SUMMARY = (
    "User viewed Laptop X1 product page, added item to cart, and proceeded to checkout. "
    "Indicates high purchase intent for Laptop X1."
)
