"""The hand-off to RQ, the idle sweep and the usage flush, on the real test Redis."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import django_rq
import pytest
from django.conf import settings
from django.utils import timezone

from ingestion import limits
from ingestion.handoff import session_enqueue, session_job_id
from ingestion.jobs import idle_sessions_sweep_job, usage_flush_job
from ingestion.models import KeyUsage, Session
from tests.factories import KeyFactory, OrgFactory, ingest_events
from tests.ingestion.helpers import ISSUE_BATCH, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue() -> Iterator[Any]:
    q = django_rq.get_queue("sessions")
    _delete_session_jobs(q)  # ids repeat across test databases
    yield q
    _delete_session_jobs(q)


def _delete_session_jobs(q: Any) -> None:
    # Through RQ, so the jobs leave their queue and registries too (a bare key delete leaves registry
    # entries pointing at nothing, which breaks later cleanups).
    for key in q.connection.keys("rq:job:session_*"):
        job = q.fetch_job(key.decode().removeprefix("rq:job:"))
        if job is not None:
            job.delete()


def test_session_end_enqueues_after_commit(client: Any, queue: Any, django_capture_on_commit_callbacks: Any) -> None:
    org = OrgFactory.create()
    key = KeyFactory.create(org)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ingest_events(key, [{"type": "page_view", "url": "/a"}, {"type": "session_end"}], {"session_id": "e1"})
    assert callbacks  # the enqueue ran on commit, not inside the ingest transaction
    session = Session.objects.for_org(org).get(session_id="e1")
    assert session.status == "queued" and session.enqueued_at is not None
    job = queue.fetch_job(session_job_id(organization_id=org.pk, session_id="e1"))
    assert job.func_name == settings.CROW_SESSION_JOB
    assert job.kwargs == {"organization_id": org.pk, "session_id": "e1"}
    # Enqueueing again while it waits is a no-op: still one job on the queue.
    assert session_enqueue(organization_id=org.pk, session_id="e1") is True
    assert queue.job_ids.count(job.id) == 1


def test_enqueue_is_scoped_by_organization(queue: Any) -> None:
    org, other = OrgFactory.create(), OrgFactory.create()
    ingest_events(KeyFactory.create(org), [{"type": "click"}], {"session_id": "shared"})
    assert session_enqueue(organization_id=other.pk, session_id="shared") is False
    assert Session.objects.for_org(org).get(session_id="shared").status == "open"


def test_sweep_enqueues_idle_grown_and_stuck_sessions(queue: Any) -> None:
    org = OrgFactory.create()
    key = KeyFactory.create(org)
    for sid in ("idle", "fresh", "grown", "stuck", "done"):
        ingest_events(key, [{"type": "click"}], {"session_id": sid})
    old = timezone.now() - timedelta(seconds=settings.CROW_SESSION_IDLE_SECONDS + 5)
    sessions = Session.objects.for_org(org)
    sessions.filter(session_id__in=["idle", "grown", "done", "stuck"]).update(last_seen=old)
    sessions.filter(session_id="grown").update(status="processed", processed_event_count=0)
    sessions.filter(session_id="done").update(status="processed", processed_event_count=1)
    sessions.filter(session_id="stuck").update(status="queued", enqueued_at=timezone.now() - timedelta(minutes=11))
    assert idle_sessions_sweep_job() == 3
    statuses = dict(sessions.values_list("session_id", "status"))
    assert statuses == {"idle": "queued", "fresh": "open", "grown": "queued", "stuck": "queued", "done": "processed"}
    assert idle_sessions_sweep_job() == 0  # queued just now: nothing more to do


def test_usage_is_metered_and_flushed(client: Any) -> None:
    org = OrgFactory.create()
    key = KeyFactory.create(org, rate_limit=10)
    body = {"events": [*ISSUE_BATCH["events"], {"type": "bogus"}]}
    assert post(client, body, key=key.raw).status_code == 202  # 4 accepted, 1 rejected
    assert post(client, {"events": [{"type": "click"}] * 500}, key=key.raw).status_code == 429
    limits.usage_flush(include_current=True)
    usage = KeyUsage.objects.for_org(org).get(api_key=key.api_key)
    assert (usage.accepted, usage.rejected, usage.rate_limited) == (4, 1, 500)
    assert usage_flush_job() == 0  # flushed counters are gone from Redis
