"""Shared helpers for the ingestion tests."""

from __future__ import annotations

from typing import Any

import msgspec
from django.test import Client

ISSUE_BATCH: dict[str, Any] = {
    "context": {"session_id": "s1"},
    "events": [
        {"type": "page_view", "url": "/products/laptop-x1"},
        {"type": "click", "element": "add_to_cart"},
        {"type": "page_view", "url": "/cart"},
        {"type": "click", "element": "checkout"},
    ],
}


def post(
    client: Client,
    body: Any,
    *,
    key: str | None = None,
    content_type: str = "application/json",
    raw: bytes | None = None,
    **headers: Any,
) -> Any:
    data = raw if raw is not None else msgspec.json.encode(body)
    if key is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {key}")
    return client.generic("POST", "/v1/batch", data=data, content_type=content_type, **headers)
