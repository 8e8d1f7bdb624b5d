"""Concurrent requests through the real server that share event ids and a session: each event is
stored once, each request gets exactly its own answer, and the session counts every event."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ingestion.models import Event, Session
from tests.factories import KeyFactory, OrgFactory
from tests.ingestion.test_outages import send

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_batches_with_shared_ids_store_each_event_once(crow_server: str) -> None:
    org = OrgFactory.create()
    key = KeyFactory.create(org, rate_limit=100_000).raw
    shared = [str(uuid.uuid4()) for _ in range(10)]  # every request also sends these ten

    def batch(n: int) -> dict[str, Any]:
        own = [{"type": "click", "event_id": str(uuid.uuid4()), "element": f"b{n}"} for _ in range(40)]
        common = [{"type": "custom", "name": "shared", "event_id": i} for i in shared]
        end = [{"type": "session_end"}] if n == 0 else []
        return {"context": {"session_id": "one-session"}, "events": [*own, *common, *end]}

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda n: send(crow_server, batch(n), key), range(48)))

    assert {status for status, _, _ in answers} == {202}
    bodies = [body for _, body, _ in answers]
    assert sum(b["accepted"] for b in bodies) == 48 * 40 + 10 + 1
    assert sum(b["duplicates"] for b in bodies) == 47 * 10
    assert all(b["accepted"] + b["duplicates"] == (51 if i == 0 else 50) for i, b in enumerate(bodies))
    assert Event.objects.for_org(org).count() == 48 * 40 + 10 + 1
    session = Session.objects.for_org(org).get(session_id="one-session")
    assert session.event_count == 48 * 40 + 10 + 1
    assert session.ended_at is not None
