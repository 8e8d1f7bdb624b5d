"""Acceptance: the issue's batch through the real POST /v1/batch, then the worker in burst mode."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from processing.models import Interaction
from tests.factories import KeyFactory, OrgFactory
from tests.processing.conftest import EXPECTED_SUMMARY

BATCH = {
    "context": {"session_id": "acceptance-1"},
    "events": [
        {"type": "page_view", "url": "/products/laptop-x1"},
        {"type": "click", "element": "add_to_cart"},
        {"type": "page_view", "url": "/cart"},
        {"type": "click", "element": "checkout"},
    ],
}


def post_batch(server: str, key: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"{server}/v1/batch",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


@pytest.mark.django_db(transaction=True)
def test_issue_batch_becomes_an_interaction(crow_server: str, sessions_queue: Any, run_queue: Any) -> None:
    shop = OrgFactory.with_catalog(OrgFactory.create(name="Acceptance Shop"))
    key = KeyFactory.create(shop).raw

    assert post_batch(crow_server, key, BATCH) in (200, 202)
    assert post_batch(
        crow_server, key, {"context": {"session_id": "acceptance-1"}, "events": [{"type": "session_end"}]}
    ) in (
        200,
        202,
    )
    run_queue()

    interaction = Interaction.objects.for_org(shop).get(session_key="acceptance-1")
    assert interaction.summary == EXPECTED_SUMMARY
    assert interaction.intent == "purchasing"
    assert interaction.confidence_label == "high"
    assert [p.name for p in interaction.products.all()] == ["Laptop X1"]
    assert interaction.embedding is not None and len(interaction.embedding) == 384
    assert interaction.session.status == "processed"
