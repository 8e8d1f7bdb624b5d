from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from django.core.management import call_command

from ingestion.models import Event, QuarantinedEvent, Session
from organizations.models import ApiKeyKind
from organizations.services import api_key_revoke
from tests.factories import KeyFactory, OrgFactory, ingest_events
from tests.ingestion.helpers import ISSUE_BATCH, post

pytestmark = pytest.mark.django_db
NOW = datetime.now(UTC)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).isoformat()


@pytest.fixture
def org():  # type: ignore[no-untyped-def]
    return OrgFactory.create()


@pytest.fixture
def key(org):  # type: ignore[no-untyped-def]
    return KeyFactory.create(org)


def test_issue_example_batch_is_accepted_as_given(client, org, key) -> None:
    response = post(
        client,
        ISSUE_BATCH,
        key=key.raw,
        REMOTE_ADDR="81.2.69.142",
        HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    )
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 4, "duplicates": 0, "rejected": []}
    events = list(Event.objects.for_org(org).order_by("timestamp", "type"))
    assert [e.type for e in events].count("click") == 2
    assert {e.session_id for e in events} == {"s1"}
    clicks = sorted(e.element["name"] for e in events if e.type == "click")
    assert clicks == ["add_to_cart", "checkout"]
    assert {e.url_path for e in events if e.type == "page_view"} == {"/products/laptop-x1", "/cart"}
    session = Session.objects.for_org(org).get(session_id="s1")
    assert session.event_count == 4
    assert session.page_views == 2
    assert session.status == "open"
    assert session.device_type == "desktop"
    assert session.browser == "Chrome"
    assert session.country == "GB"
    assert {e.ip for e in events} == {"81.2.69.0"}


def test_duplicates_are_reported_and_stored_once(client, org, key) -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    body = {"events": [{"type": "page_view", "event_id": i, "url": "/a", "session_id": "s"} for i in ids]}
    assert post(client, body, key=key.raw).json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    body["events"].append({"type": "click", "event_id": ids[0], "session_id": "s"})  # repeated inside too
    assert post(client, body, key=key.raw).json() == {"accepted": 0, "duplicates": 4, "rejected": []}
    assert Event.objects.for_org(org).count() == 3
    assert Session.objects.for_org(org).get(session_id="s").event_count == 3


def test_same_event_id_in_two_orgs_is_not_a_duplicate(client, key) -> None:
    other = KeyFactory.create(OrgFactory.create())
    event = {"type": "page_view", "event_id": str(uuid.uuid4()), "session_id": "s"}
    assert post(client, {"events": [event]}, key=key.raw).json()["accepted"] == 1
    assert post(client, {"events": [event]}, key=other.raw).json()["accepted"] == 1


def test_partial_acceptance_quarantines_bad_events(client, org, key) -> None:
    bad_id = str(uuid.uuid4())
    body = {
        "context": {"session_id": "s"},
        "events": [
            {"type": "page_view", "url": "/ok"},
            {"type": "teleport", "event_id": bad_id},
            {"type": "custom"},
            {"type": "click", "x": "left"},
            {"type": "page_view", "timestamp": "yesterday-ish"},
            7,
            {"type": "custom", "name": "signup", "properties": {"plan": "pro"}},
        ],
    }
    response = post(client, body, key=key.raw)
    assert response.status_code == 202
    data = response.json()
    assert data["accepted"] == 2
    assert [r["index"] for r in data["rejected"]] == [1, 2, 3, 4, 5]
    assert data["rejected"][0]["event_id"] == bad_id
    assert data["rejected"][0]["errors"][0].startswith("type: Invalid enum value 'teleport'")
    assert data["rejected"][1]["errors"] == ["name: required for custom events"]
    assert data["rejected"][2]["errors"][0].startswith("x: Expected `float | null`, got `str`")
    assert data["rejected"][3]["errors"] == ["timestamp: not ISO-8601 or epoch milliseconds"]
    quarantined = list(QuarantinedEvent.objects.for_org(org).order_by("batch_index"))
    assert [q.batch_index for q in quarantined] == [1, 2, 3, 4, 5]
    assert quarantined[0].payload == {"type": "teleport", "event_id": bad_id}
    assert quarantined[0].api_key_prefix == key.api_key.prefix
    custom = Event.objects.for_org(org).get(type="custom")
    assert custom.name == "signup"
    assert custom.properties == {"plan": "pro"}


def test_normalization_and_element_storage(client, org, key) -> None:
    long_title = "t" * 5000
    body = {
        "events": [
            {
                "type": "page_view",
                "session_id": "n",
                "title": long_title,
                "timestamp": int((NOW - timedelta(days=3)).timestamp() * 1000),
                "url": "https://Shop.Example.com/checkout?step=2&email=a%40b.c&token=xyz#top",
                "referrer": "https://google.com/search?q=laptop&password=hunter2",
            },
            {
                "type": "click",
                "session_id": "n",
                "x": 10,
                "y": 20.5,
                "element": {"selector": "button#buy", "tag": "button", "id": "buy", "classes": ["btn"], "text": "Buy"},
            },
        ]
    }
    assert post(client, body, key=key.raw, HTTP_USER_AGENT="").json()["accepted"] == 2
    page = Event.objects.for_org(org).get(type="page_view")
    assert (page.url_host, page.url_path, page.url_query) == ("shop.example.com", "/checkout", "step=2")
    assert page.referrer == "https://google.com/search?q=laptop"
    assert page.title is not None and page.title.endswith("…[truncated]") and len(page.title) == 1000
    assert abs((page.timestamp - (NOW - timedelta(days=3))).total_seconds()) < 1
    click = Event.objects.for_org(org).get(type="click")
    assert click.element == {"selector": "button#buy", "tag": "button", "id": "buy", "classes": ["btn"], "text": "Buy"}
    assert (click.x, click.y) == (10.0, 20.5)


def test_future_timestamp_is_clamped_and_sent_at_corrects_skew(client, org, key) -> None:
    body = {
        "sent_at": "2000-01-01T00:00:10Z",
        "events": [
            {"type": "page_view", "session_id": "k", "timestamp": "2000-01-01T00:00:00Z"},
            {"type": "click", "session_id": "k", "timestamp": "2999-01-01T00:00:00+00:00"},
        ],
    }
    assert post(client, body, key=key.raw).json()["accepted"] == 2
    page = Event.objects.for_org(org).get(type="page_view")
    click = Event.objects.for_org(org).get(type="click")
    assert 9 <= (page.received_at - page.timestamp).total_seconds() <= 11  # the client clock was 24 years behind
    assert click.timestamp <= click.received_at


def test_gzip_body(client, org, key) -> None:
    raw = gzip.compress(orjson.dumps(ISSUE_BATCH))
    response = post(client, None, raw=raw, key=key.raw, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 202
    assert response.json()["accepted"] == 4


def test_send_beacon_text_plain_with_key_in_body(client, org, key) -> None:
    body = {**ISSUE_BATCH, "api_key": key.raw}
    response = post(client, body, content_type="text/plain;charset=UTF-8", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 202
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert Event.objects.for_org(org).count() == 4


def test_x_crow_key_header(client, org, key) -> None:
    assert post(client, ISSUE_BATCH, HTTP_X_CROW_KEY=key.raw).status_code == 202


def test_sessions_without_session_id(client, org, key) -> None:
    body = {
        "events": [
            {"type": "page_view", "anonymous_id": "anon-1", "timestamp": ago(60)},
            {"type": "custom", "name": "server_side"},
            {"type": "custom", "name": "server_side_2"},
        ]
    }
    assert post(client, body, key=key.raw).json()["accepted"] == 3
    sessions = sorted(Session.objects.for_org(org).values_list("session_id", "event_count"))
    assert len(sessions) == 2
    assert sessions[0][0].startswith("anon:anon-1:")
    assert sessions[1][0].startswith("srv:") and sessions[1][1] == 2


def test_session_upsert_across_batches(client, org, key) -> None:
    post(
        client,
        {"context": {"session_id": "u"}, "events": [{"type": "page_view", "url": "/b", "timestamp": ago(55)}]},
        key=key.raw,
    )
    post(
        client,
        {
            "context": {"session_id": "u", "user_id": 42},
            "events": [
                {"type": "page_view", "url": "/a", "timestamp": ago(60)},
                {"type": "page_view", "url": "/c", "timestamp": ago(51)},
            ],
        },
        key=key.raw,
    )
    session = Session.objects.for_org(org).get(session_id="u")
    assert (session.event_count, session.page_views) == (3, 3)
    assert (session.entry_path, session.exit_path) == ("/a", "/c")
    assert session.user_id == "42"


def test_ingest_events_factory_and_events_command(org, key, capsys) -> None:
    result = ingest_events(key, ISSUE_BATCH["events"], ISSUE_BATCH["context"])
    assert (result.accepted, result.duplicates) == (4, 0)
    call_command("events", "--org", org.slug, "--session", "s1", "--limit", "2")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert orjson.loads(lines[0])["session_id"] == "s1"


def test_schema_is_published(client) -> None:
    response = client.get("/v1/schema.json")
    assert response.status_code == 200
    schema = orjson.loads(response.content)
    assert "events" in schema["$defs"]["BatchSchema"]["properties"]
    assert "page_view" in orjson.dumps(schema).decode()


# --- errors -----------------------------------------------------------------------------------------


def _error(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]


def test_400_malformed_json(client, key) -> None:
    _error(post(client, None, raw=b"{not json", key=key.raw), 400, "malformed_json")


def test_400_no_events_list(client, key) -> None:
    _error(post(client, {"batch": []}, key=key.raw), 400, "invalid_batch")
    _error(post(client, {"events": {"type": "click"}}, key=key.raw), 400, "invalid_batch")
    _error(post(client, [1, 2], key=key.raw), 400, "invalid_batch")


def test_400_bad_gzip(client, key) -> None:
    _error(post(client, None, raw=b"not gzip", key=key.raw, HTTP_CONTENT_ENCODING="gzip"), 400, "bad_encoding")


def test_401_missing_unknown_revoked(client, key, django_capture_on_commit_callbacks) -> None:
    _error(post(client, ISSUE_BATCH), 401, "missing_key")
    _error(post(client, ISSUE_BATCH, key="pk_live_" + "x" * 43), 401, "invalid_key")
    _error(post(client, ISSUE_BATCH, key=key.raw[:-2] + "zz"), 401, "invalid_key")
    with django_capture_on_commit_callbacks(execute=True):  # the revoke clears the key cache on commit
        api_key_revoke(api_key=key.api_key)
    _error(post(client, ISSUE_BATCH, key=key.raw), 401, "invalid_key")


def test_403_secret_key(client, org) -> None:
    secret = KeyFactory.create(org, kind=ApiKeyKind.SECRET)
    _error(post(client, ISSUE_BATCH, key=secret.raw), 403, "secret_key")


def test_origin_checks(client, org) -> None:
    key = KeyFactory.create(org, allowed_domains=["shop.example"])
    ok = post(client, ISSUE_BATCH, key=key.raw, HTTP_ORIGIN="https://www.shop.example")
    assert ok.status_code == 202
    assert ok["Access-Control-Allow-Origin"] == "https://www.shop.example"
    denied = post(client, ISSUE_BATCH, key=key.raw, HTTP_ORIGIN="https://evil.example")
    _error(denied, 403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in denied
    _error(post(client, ISSUE_BATCH, key=key.raw, HTTP_REFERER="https://notshop.example/x"), 403, "origin_not_allowed")
    _error(
        post(client, ISSUE_BATCH, key=key.raw, HTTP_ORIGIN="https://shop.example.evil.io"), 403, "origin_not_allowed"
    )
    assert post(client, ISSUE_BATCH, key=key.raw, HTTP_REFERER="https://shop.example/p").status_code == 202
    assert post(client, ISSUE_BATCH, key=key.raw).status_code == 202  # a server client sends no Origin


def test_preflight(client) -> None:
    response = client.options(
        "/v1/batch", HTTP_ORIGIN="https://shop.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "X-Crow-Key" in response["Access-Control-Allow-Headers"]


def test_413_too_large_too_many_and_gzip_bomb(client, key) -> None:
    big = {"events": [{"type": "custom", "name": "x", "properties": {"pad": "p" * 1024 * 1024}}]}
    _error(post(client, big, key=key.raw), 413, "payload_too_large")
    many = {"events": [{"type": "click"}] * 501}
    _error(post(client, many, key=key.raw), 413, "too_many_events")
    bomb = gzip.compress(b'{"events": [' + b" " * (64 * 1024 * 1024) + b"]}")
    assert len(bomb) < 100_000
    _error(post(client, None, raw=bomb, key=key.raw, HTTP_CONTENT_ENCODING="gzip"), 413, "payload_too_large")


def test_415_content_types(client, key) -> None:
    _error(
        post(client, ISSUE_BATCH, key=key.raw, content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )
    _error(post(client, ISSUE_BATCH, key=key.raw, HTTP_CONTENT_ENCODING="br"), 415, "unsupported_encoding")


def test_429_rate_limit_with_retry_after(client, org) -> None:
    key = KeyFactory.create(org, rate_limit=10)  # bucket: max(10 * 2 s, 500) = 500 events
    body = {"events": [{"type": "click", "session_id": "r"}] * 250}
    assert post(client, body, key=key.raw).status_code == 202
    assert post(client, body, key=key.raw).status_code == 202
    limited = post(client, body, key=key.raw)
    _error(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1
    other = KeyFactory.create(org, rate_limit=10)  # a bucket per key
    assert post(client, {"events": [{"type": "click"}]}, key=other.raw).status_code == 202


def test_no_full_ip_in_any_table(client, org, key) -> None:
    from django.db import connection

    for ip in ("203.0.113.77", "2001:db8:abcd:12:3456:7890:abcd:ef01"):
        body = {"events": [{"type": "page_view", "session_id": "ip-test"}, {"type": "bogus"}]}
        assert post(client, body, key=key.raw, REMOTE_ADDR=ip).status_code == 202
    assert (
        post(client, {"context": {"ip": "198.51.100.99"}, "events": [{"type": "click"}]}, key=key.raw).status_code
        == 202
    )
    assert set(Event.objects.for_org(org).values_list("ip", flat=True)) == {
        "203.0.113.0",
        "2001:db8:abcd::",
        "198.51.100.0",
    }
    needles = ["203.0.113.77", "2001:db8:abcd:12", "198.51.100.99"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
            "AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'inet')"
        )
        columns = cursor.fetchall()
        assert ("ingestion_event_default", "ip") in columns or any(t.startswith("ingestion_event_") for t, _ in columns)
        for table, column in columns:
            for needle in needles:
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s', [f"%{needle}%"])
                assert cursor.fetchone()[0] == 0, (table, column, needle)


@pytest.mark.parametrize("header", ["HTTP_DNT", "HTTP_SEC_GPC"])
def test_do_not_track_is_honoured_and_said_in_the_body(client, org, key, header) -> None:
    headers: dict[str, Any] = {header: "1"}
    response = post(client, ISSUE_BATCH, key=key.raw, **headers)
    assert response.status_code == 202
    assert response.json() == {"accepted": 0, "duplicates": 0, "rejected": [], "dropped": 4, "reason": "do_not_track"}
    assert Event.objects.for_org(org).count() == 0


def test_do_not_track_is_ignored_when_the_org_opts_out(client) -> None:
    org = OrgFactory.create(respect_dnt=False)
    key = KeyFactory.create(org)
    response = post(client, ISSUE_BATCH, key=key.raw, HTTP_DNT="1")
    assert response.json()["accepted"] == 4
    assert Event.objects.for_org(org).count() == 4
