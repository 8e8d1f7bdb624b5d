"""No input ever gets a 500: hypothesis throws arbitrary bodies, headers and events at /v1/batch."""

from __future__ import annotations

import gzip
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import KeyFactory, OrgFactory
from tests.ingestion.helpers import post

pytestmark = pytest.mark.django_db

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "type",
    "event_id",
    "timestamp",
    "session_id",
    "anonymous_id",
    "user_id",
    "url",
    "title",
    "referrer",
    "element",
    "x",
    "y",
    "properties",
    "name",
]
types = st.sampled_from(["page_view", "click", "custom", "session_end", "identify", "nope"])
field_values = {
    "type": types,
    "timestamp": st.integers() | st.text(max_size=40) | st.floats(allow_nan=False) | st.just("2024-01-01T00:00:00Z"),
    "url": st.text(max_size=60) | st.just("http://[::1/x?email=a"),
    "event_id": st.uuids().map(str) | st.text(max_size=10),
    "element": st.text(max_size=20)
    | st.dictionaries(st.sampled_from(["selector", "text", "tag", "classes"]), json_values, max_size=3),
}
events = st.fixed_dictionaries(
    {"type": types},
    optional={f: field_values.get(f, json_values) for f in FIELDS if f != "type"},
)
bodies = st.fixed_dictionaries(
    {"events": st.lists(events | json_values, max_size=6)},
    optional={
        "sent_at": json_values,
        "context": st.dictionaries(st.sampled_from([*FIELDS, "ip", "user_agent"]), json_values, max_size=4)
        | json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies | json_values, gz=st.booleans(), content_type=st.sampled_from(["application/json", "text/plain"]))
def test_structured_fuzz_never_500(client: Any, body: Any, gz: bool, content_type: str) -> None:
    key = _key()
    raw = msgspec.json.encode(body)
    headers = {"HTTP_CONTENT_ENCODING": "gzip"} if gz else {}
    response = post(client, None, raw=gzip.compress(raw) if gz else raw, key=key, content_type=content_type, **headers)
    assert response.status_code in (202, 400, 413), response.content
    assert isinstance(orjson.loads(response.content), dict)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.binary(max_size=200),
    content_type=st.text(max_size=30),
    encoding=st.sampled_from(["", "gzip", "br"]),
    auth=st.text(max_size=60),
    origin=st.text(max_size=40),
)
def test_raw_fuzz_never_500(client: Any, raw: bytes, content_type: str, encoding: str, auth: str, origin: str) -> None:
    response = post(
        client,
        None,
        raw=raw,
        content_type=content_type or "application/json",
        HTTP_AUTHORIZATION=auth,
        HTTP_CONTENT_ENCODING=encoding,
        HTTP_ORIGIN=origin,
    )
    assert response.status_code in (202, 400, 401, 403, 413, 415), response.content
    assert "error" in orjson.loads(response.content) or response.status_code == 202


_keys: dict[str, str] = {}


def _key() -> str:
    if "raw" not in _keys:
        _keys["raw"] = KeyFactory.create(OrgFactory.create(), rate_limit=1_000_000).raw
    return _keys["raw"]


def test_nul_and_odd_strings_are_stored(client: Any) -> None:
    key = KeyFactory.create(OrgFactory.create()).raw
    body = {
        "context": {"session_id": "nul\u0000id"},
        "events": [
            {
                "type": "custom",
                "name": "a\u0000b",
                "properties": {"k\u0000": "v\u0000", "big": 10**30},
                "element": {"text": "x\u0000"},
                "url": "/p\u0000ath?q=\u0000",
                "title": "\u0000",
            },
        ],
    }
    response = post(client, body, key=key)
    assert response.status_code == 202
    assert response.json()["accepted"] == 1
