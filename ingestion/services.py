"""Ingest: validate, normalize, enrich and store a batch of events — one COPY per request.

`batch_request_handle` is the whole of POST /v1/batch (the view only translates HTTP in and out);
`event_batch_ingest` validates and stores a batch for a key that is already authenticated, and is
what tests and other apps call.
"""

from __future__ import annotations

import logging
import math
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import msgspec
import orjson
import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction

from ingestion import enrich, limits, wire
from ingestion.handoff import session_enqueue
from ingestion.storage import Device, PendingBatch, batch_store
from organizations.key_cache import CachedKey
from organizations.models import ApiKeyKind
from organizations.selectors import api_key_authenticate

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
_ELEMENT_LIMITS = {"text": 500, "selector": 1000, "href": 2048, "name": 500}


class IngestError(Exception):
    """A whole-request failure, answered as {"error": code, "detail": detail} with `status`."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers or {}


@dataclass(frozen=True)
class Rejection:
    index: int
    event_id: str | None
    errors: list[str]


@dataclass(frozen=True)
class BatchResult:
    accepted: int
    duplicates: int
    rejected: list[Rejection] = field(default_factory=list)

    def as_body(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"index": r.index, "event_id": r.event_id, "errors": r.errors} for r in self.rejected],
        }


@dataclass(frozen=True)
class IngestResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass(frozen=True)
class RequestContext:
    """What the request itself says about the browser: enrichment computed once per request."""

    ip: str | None
    country: str | None
    device: enrich.Device


# --- the HTTP pipeline ----------------------------------------------------------------------------


def _body_read(body: bytes, content_encoding: str) -> bytes:
    limit = settings.CROW_INGEST_MAX_BODY_BYTES
    if len(body) > limit:
        raise IngestError(413, "payload_too_large", f"body over {limit} bytes")
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise IngestError(415, "unsupported_encoding", "Content-Encoding must be gzip or absent")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)  # bounded: a gzip bomb stops at the limit
    except zlib.error as exc:
        raise IngestError(400, "bad_encoding", f"gzip body could not be read: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise IngestError(413, "payload_too_large", f"body over {limit} bytes after decompression")
    if not inflater.eof:
        raise IngestError(400, "bad_encoding", "gzip body is truncated")
    return out


def _bearer(authorization: str) -> str:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _authenticate(raw: str) -> CachedKey:
    if not raw:
        raise IngestError(401, "missing_key", "an API key is required (Authorization: Bearer, X-Crow-Key or api_key)")
    key = api_key_authenticate(raw=raw)
    if key is None:
        raise IngestError(401, "invalid_key", "the API key is unknown, revoked or expired")
    if key.kind != ApiKeyKind.PUBLISHABLE:
        raise IngestError(403, "secret_key", "a secret key cannot be used for ingest; use a publishable key")
    return key


def _request_host(origin: str, referer: str) -> str | None:
    """The page's host from Origin, else Referer; None when neither is sent (a server client)."""
    source = origin or referer
    if not source:
        return None
    try:
        return (urlsplit(source).hostname or "").lower()
    except ValueError:
        return ""


def origin_allowed(*, key: CachedKey, origin: str, referer: str) -> bool:
    """Empty allowed_domains allows every origin; a domain also allows its subdomains."""
    if not key.allowed_domains:
        return True
    host = _request_host(origin, referer)
    if host is None:
        return True  # no browser context to check: Origin/Referer checks guard browsers, not servers
    for domain in key.allowed_domains:
        domain = domain.lower().removeprefix("*.")
        if host == domain or host.endswith("." + domain):
            return True
    return False


def _cors_headers(origin: str) -> dict[str, str]:
    headers = {"Vary": "Origin"}
    if origin and origin != "null":
        headers["Access-Control-Allow-Origin"] = origin
    return headers


@dataclass(frozen=True)
class IngestRequest:
    """What POST /v1/batch needs from the HTTP request."""

    body: bytes
    content_type: str
    content_encoding: str
    authorization: str
    header_key: str
    origin: str
    referer: str
    ip: str
    user_agent: str
    received_at: datetime
    do_not_track: bool = False


def batch_request_handle(request: IngestRequest) -> IngestResponse:
    """POST /v1/batch from the raw request to the response. Never raises for any input."""
    try:
        return _handle(request)
    except IngestError as exc:
        return IngestResponse(exc.status, {"error": exc.code, "detail": exc.detail}, exc.headers)
    except DATABASE_DOWN as exc:
        logger.warning("ingest_database_unavailable", extra={"error": type(exc).__name__})
        _connection_discard()
        retry = str(settings.CROW_INGEST_RETRY_AFTER_SECONDS)
        return IngestResponse(
            503, {"error": "unavailable", "detail": "storage is unavailable; retry later"}, {"Retry-After": retry}
        )


def _connection_discard() -> None:
    try:
        connection.close()
    except Exception:  # closing a dead connection may fail again; it is gone either way
        logger.debug("ingest_connection_close_failed")


def _handle(request: IngestRequest) -> IngestResponse:
    origin, referer = request.origin, request.referer
    mime = request.content_type.partition(";")[0].strip().lower()
    if mime not in ("application/json", "text/plain"):
        raise IngestError(415, "unsupported_media_type", "Content-Type must be application/json or text/plain")
    raw_key = _bearer(request.authorization) or request.header_key.strip()
    key = _authenticate(raw_key) if raw_key else None  # a header key is checked before the body is read
    data = _body_read(request.body, request.content_encoding)
    try:
        batch = wire.batch_decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise IngestError(400, "invalid_batch", _error_text(exc, "batch")) from None
    except msgspec.DecodeError as exc:
        raise IngestError(400, "malformed_json", f"body is not valid JSON: {exc}") from None
    if key is None:
        key = _authenticate(batch.api_key or "")
    if not origin_allowed(key=key, origin=origin, referer=referer):
        raise IngestError(403, "origin_not_allowed", "this key is not allowed for this Origin/Referer")
    cors = _cors_headers(origin)
    count = len(batch.events)
    if count > settings.CROW_INGEST_MAX_EVENTS:
        raise IngestError(413, "too_many_events", f"at most {settings.CROW_INGEST_MAX_EVENTS} events per batch", cors)
    if request.do_not_track and key.respect_dnt:
        # The org honours Do Not Track / Global Privacy Control: nothing is stored, and the answer
        # says so in its body (a 202 that silently drops is what users hate in other tools).
        return IngestResponse(
            202,
            {"accepted": 0, "duplicates": 0, "rejected": [], "dropped": count, "reason": "do_not_track"},
            cors,
        )
    wait = limits.rate_limit_check(key_prefix=key.prefix, rate=key.rate_limit, cost=count)
    if wait:
        limits.usage_record(key_prefix=key.prefix, rate_limited=count)
        raise IngestError(
            429,
            "rate_limited",
            f"over this key's limit of {key.rate_limit} events/s",
            {**cors, "Retry-After": str(int(wait))},
        )
    result = event_batch_ingest(
        key=key, batch=batch, ip=request.ip, user_agent=request.user_agent, received_at=request.received_at
    )
    limits.usage_record(key_prefix=key.prefix, accepted=result.accepted, rejected=len(result.rejected))
    return IngestResponse(202, result.as_body(), cors)


# --- validation and normalization -------------------------------------------------------------------


def _error_text(exc: msgspec.ValidationError, default_field: str) -> str:
    message = str(exc)
    text, sep, path = message.rpartition(" - at `")
    if not sep:
        return f"{default_field}: {message}"
    where = path.rstrip("`").removeprefix("$").lstrip(".") or default_field
    return f"{where}: {text}"


def _timestamp(value: str | int | float) -> datetime:
    if isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError("not a time")
    return datetime.fromtimestamp(value / 1000, UTC)


def _nul_free(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_nul_free(k): _nul_free(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nul_free(v) for v in value]
    return value


def _jsonb(value: Any) -> str:
    encoded = msgspec.json.encode(value)
    if b"\\u0000" in encoded:  # jsonb rejects NUL; rare enough to clean only when present
        encoded = msgspec.json.encode(_nul_free(value))
    return encoded.decode()


def _element(value: str | wire.Element) -> str:
    if isinstance(value, str):
        # The documented contract: a string element is stored as {"name": "<the string>"}.
        return _jsonb({"name": enrich.truncate(value, 500)})
    element: dict[str, Any] = msgspec.to_builtins(value)
    for name, limit in _ELEMENT_LIMITS.items():
        if isinstance(element.get(name), str):
            element[name] = enrich.truncate(element[name], limit)
    return _jsonb(element)


def _session_for(event: wire.WireEvent, ctx: wire.Context, timestamp: datetime, batch_session: str) -> str:
    """The client's session_id; else one per anonymous_id per UTC day; else one per batch."""
    if event.session_id is not None:
        return event.session_id.replace("\x00", "")
    if ctx.session_id is not None:
        return ctx.session_id.replace("\x00", "")
    anonymous_id = event.anonymous_id if event.anonymous_id is not None else ctx.anonymous_id
    if anonymous_id is not None:
        return f"anon:{anonymous_id.replace(chr(0), '')}:{timestamp:%Y-%m-%d}"
    return batch_session


def _text(value: str | int | None, limit: int = 200) -> str | None:
    if value is None:
        return None
    return enrich.truncate(value if isinstance(value, str) else str(value), limit)


def event_batch_ingest(
    *,
    key: CachedKey,
    batch: wire.Batch | bytes,
    ip: str = "",
    user_agent: str = "",
    received_at: datetime | None = None,
) -> BatchResult:
    """Validate every event, store the good ones (deduped on org + event_id) with one COPY, upsert
    their sessions and quarantine the bad ones, all in one transaction. Raises the database's
    OperationalError/InterfaceError when Postgres is unavailable: nothing is then stored."""
    if isinstance(batch, bytes):
        batch = wire.batch_decoder.decode(batch)
    received = received_at or datetime.now(UTC)
    ctx = batch.context or wire.Context()
    request = _request_context(key=key, ip=ctx.ip or ip, user_agent=ctx.user_agent or user_agent)

    skew = timedelta(0)
    if batch.sent_at is not None:
        try:
            skew = received - _timestamp(batch.sent_at)
        except (ValueError, OverflowError, OSError):
            skew = timedelta(0)
    oldest = received - timedelta(days=settings.CROW_INGEST_MAX_EVENT_AGE_DAYS)
    batch_session = f"srv:{uuid.uuid4().hex}"
    max_props = settings.CROW_INGEST_MAX_PROPERTIES_BYTES

    ctx_props = _jsonb(ctx.properties) if ctx.properties is not None else None
    ctx_url = ctx.url
    ctx_user = _text(ctx.user_id)
    ctx_anon = _text(ctx.anonymous_id)
    ctx_title = enrich.truncate(ctx.title, 1000)
    ctx_referrer = ctx.referrer
    org_id = key.organization_id

    rows: list[tuple[Any, ...]] = []
    rejected: list[tuple[Rejection, bytes]] = []
    decode = wire.event_decoder.decode
    count = len(batch.events)
    for index, raw in enumerate(batch.events):
        try:
            event = decode(raw)
        except msgspec.ValidationError as exc:
            rejected.append((Rejection(index, _raw_event_id(raw), [_error_text(exc, "event")]), bytes(raw)))
            continue
        errors: list[str] = []
        if event.type == "custom" and not event.name:
            errors.append("name: required for custom events")
        if event.timestamp is None:
            # One microsecond apart, in batch order, ending at the receive time: the order the client
            # sent them in survives sorting by time.
            timestamp = received - timedelta(microseconds=count - index)
        else:
            try:
                timestamp = _timestamp(event.timestamp) + skew
            except (ValueError, OverflowError, OSError):
                errors.append("timestamp: not ISO-8601 or epoch milliseconds")
                timestamp = received
            else:
                if timestamp > received:
                    timestamp = received  # a clock ahead of the server: clamp to the receive time
                elif timestamp < oldest:
                    errors.append(f"timestamp: older than {settings.CROW_INGEST_MAX_EVENT_AGE_DAYS} days")
        url = event.url if event.url is not None else ctx_url
        host = path = query = None
        if url:
            try:
                host, path, query = enrich.url_split(url)
            except ValueError:
                errors.append("url: not a valid URL")
        referrer = event.referrer if event.referrer is not None else ctx_referrer
        if referrer:
            try:
                referrer = enrich.referrer_clean(referrer)
            except ValueError:
                errors.append("referrer: not a valid URL")
        properties = ctx_props
        if event.properties is not None:
            properties = _jsonb(event.properties)
        if properties is not None and len(properties) > max_props:
            errors.append(f"properties: larger than {max_props} bytes")
        if errors:
            rejected.append((Rejection(index, _raw_event_id(raw), errors), bytes(raw)))
            continue
        event_id = event.event_id or uuid.uuid4()
        session_id = _session_for(event, ctx, timestamp, batch_session)
        rows.append(
            (
                org_id,
                event_id,
                timestamp,
                received,
                event.type,
                enrich.truncate(event.name, 200),
                session_id,
                _text(event.anonymous_id) if event.anonymous_id is not None else ctx_anon,
                _text(event.user_id) if event.user_id is not None else ctx_user,
                host,
                path,
                query,
                enrich.truncate(event.title, 1000) if event.title is not None else ctx_title,
                referrer or None,
                _element(event.element) if event.element is not None else None,
                event.x,
                event.y,
                properties,
                request.device.device_type,
                request.device.browser,
                request.device.os,
                request.country,
                request.ip,
                key.id,
            )
        )

    stored = _store(key=key, rows=rows, rejected=rejected, received=received, request=request)
    return BatchResult(accepted=stored, duplicates=len(rows) - stored, rejected=[r for r, _ in rejected])


def _raw_event_id(raw: Any) -> str | None:
    try:
        value = orjson.loads(bytes(raw))
    except orjson.JSONDecodeError:
        return None
    if isinstance(value, dict) and isinstance(value.get("event_id"), str):
        return enrich.truncate(value["event_id"], 100)
    return None


def _request_context(*, key: CachedKey, ip: str, user_agent: str) -> RequestContext:
    address = enrich.ip_valid(ip) if ip else ""
    country = enrich.country_for_ip(address) if address else None
    stored_ip = (enrich.ip_anonymize(address) if key.anonymize_ip else address) or None
    return RequestContext(ip=stored_ip, country=country, device=enrich.user_agent_parse(user_agent[:1000]))


# --- storage -----------------------------------------------------------------------------------------

_QUARANTINE_PAYLOAD_BYTES = 8192


def _quarantine_payload(raw: bytes) -> str:
    if len(raw) <= _QUARANTINE_PAYLOAD_BYTES and b"\\u0000" not in raw:
        return raw.decode()
    return _jsonb({"truncated": True, "raw": raw[:_QUARANTINE_PAYLOAD_BYTES].decode(errors="replace")})


def _store(
    *,
    key: CachedKey,
    rows: list[tuple[Any, ...]],
    rejected: list[tuple[Rejection, bytes]],
    received: datetime,
    request: RequestContext,
) -> int:
    batch = PendingBatch(
        organization_id=key.organization_id,
        key_prefix=key.prefix,
        received=received,
        device=Device(request.device.device_type, request.device.browser, request.device.os, request.country),
        rows=rows,
        rejected=[(r.index, r.event_id, _jsonb(r.errors), _quarantine_payload(raw)) for r, raw in rejected],
    )
    with transaction.atomic():
        connection.ensure_connection()
        pg: psycopg.Connection[Any] = connection.connection  # Django's psycopg connection, in its transaction
        # A server-side-binding cursor, not Django's ClientCursor: parameters go to Postgres as such
        # instead of being quoted into the SQL text in Python.
        with psycopg.Cursor(pg) as cursor:
            stored = batch_store(cursor, batch)
        for session_id in stored.ended_sessions:
            transaction.on_commit(partial(session_enqueue, organization_id=key.organization_id, session_id=session_id))
    return stored.stored
