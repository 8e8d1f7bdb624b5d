"""Writing one request's validated events inside the caller's transaction: dedupe on
(organization, event_id), one COPY of the new rows, the sessions' upsert and the quarantine.

(Storing several requests per transaction — group commit — was tried and measured no faster on this
CPU-bound 2-core box; docs/SCALING.md.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

EVENT_COLUMNS = (
    "organization_id",
    "event_id",
    "timestamp",
    "received_at",
    "type",
    "name",
    "session_id",
    "anonymous_id",
    "user_id",
    "url_host",
    "url_path",
    "url_query",
    "title",
    "referrer",
    "element",
    "x",
    "y",
    "properties",
    "device_type",
    "browser",
    "os",
    "country",
    "ip",
    "api_key_id",
)
COPY_SQL = f"COPY ingestion_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN"


@dataclass(frozen=True)
class Device:
    device_type: str | None
    browser: str | None
    os: str | None
    country: str | None


@dataclass
class PendingBatch:
    """One request's validated rows (tuples in EVENT_COLUMNS order) and its rejected events."""

    organization_id: int
    key_prefix: str
    received: datetime
    device: Device
    rows: list[tuple[Any, ...]]
    # (batch index, event id, errors as JSON, the event as JSON) of each rejected event
    rejected: list[tuple[int, str | None, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class StoredBatch:
    stored: int
    ended_sessions: list[str]  # sessions that just ended and are not queued yet: enqueue after commit


# The ids go as one array literal built with str.join: psycopg's list dumper costs ~0.4 ms per
# 50-id array in Python, the join ~10 µs. The key's time is the receive time (one parameter, and
# right-edge appends to its index); retention ages keys by it.
_DEDUPE_SQL = (
    "INSERT INTO ingestion_eventkey (organization_id, event_id, timestamp) "
    "SELECT %s, u.id, %s FROM unnest(%s::uuid[]) AS u(id) "
    "ORDER BY u.id "  # one order for every writer: concurrent batches sharing ids cannot deadlock
    "ON CONFLICT DO NOTHING RETURNING event_id"
)
_SESSION_SQL = """
INSERT INTO ingestion_session AS s (organization_id, session_id, anonymous_id, user_id, first_seen, last_seen,
    event_count, page_views, entry_path, exit_path, device_type, browser, os, country, ended_at, status,
    processed_event_count)
SELECT %(org)s, u.sid, u.anon, u.uid, u.first, u.last, u.cnt, u.pv, u.entry, u.exit, %(device)s, %(browser)s,
    %(os)s, %(country)s, u.ended, 'open', 0
FROM unnest(%(sid)s::text[], %(anon)s::text[], %(uid)s::text[], %(first)s::timestamptz[], %(last)s::timestamptz[],
    %(cnt)s::int[], %(pv)s::int[], %(entry)s::text[], %(exit)s::text[], %(ended)s::timestamptz[])
    AS u(sid, anon, uid, first, last, cnt, pv, entry, exit, ended)
ORDER BY u.sid
ON CONFLICT (organization_id, session_id) DO UPDATE SET
    anonymous_id = COALESCE(s.anonymous_id, EXCLUDED.anonymous_id),
    user_id = COALESCE(EXCLUDED.user_id, s.user_id),
    first_seen = LEAST(s.first_seen, EXCLUDED.first_seen),
    last_seen = GREATEST(s.last_seen, EXCLUDED.last_seen),
    event_count = s.event_count + EXCLUDED.event_count,
    page_views = s.page_views + EXCLUDED.page_views,
    entry_path = CASE WHEN EXCLUDED.entry_path IS NOT NULL
        AND (s.entry_path IS NULL OR EXCLUDED.first_seen < s.first_seen) THEN EXCLUDED.entry_path
        ELSE s.entry_path END,
    exit_path = CASE WHEN EXCLUDED.exit_path IS NOT NULL
        AND (s.exit_path IS NULL OR EXCLUDED.last_seen >= s.last_seen) THEN EXCLUDED.exit_path
        ELSE s.exit_path END,
    device_type = COALESCE(s.device_type, EXCLUDED.device_type),
    browser = COALESCE(s.browser, EXCLUDED.browser),
    os = COALESCE(s.os, EXCLUDED.os),
    country = COALESCE(s.country, EXCLUDED.country),
    ended_at = COALESCE(EXCLUDED.ended_at, s.ended_at)
RETURNING session_id, status
"""
_QUARANTINE_SQL = (
    "INSERT INTO ingestion_quarantinedevent (organization_id, received_at, api_key_prefix, batch_index, event_id, "
    "errors, payload) SELECT %s, %s, %s, u.idx, u.eid, u.errors, u.payload "
    "FROM unnest(%s::int[], %s::text[], %s::jsonb[], %s::jsonb[]) AS u(idx, eid, errors, payload)"
)


@dataclass
class _SessionAcc:
    first: datetime
    last: datetime
    anonymous_id: str | None
    user_id: str | None
    count: int = 0
    page_views: int = 0
    entry_at: datetime | None = None
    entry_path: str | None = None
    exit_at: datetime | None = None
    exit_path: str | None = None
    ended_at: datetime | None = None


def _sessions(rows: Iterable[tuple[Any, ...]]) -> dict[str, _SessionAcc]:
    """Fold rows (one organization's) into per-session accumulators."""
    sessions: dict[str, _SessionAcc] = {}
    for row in rows:
        ts, kind, sid, user, path = row[2], row[4], row[6], row[8], row[10]
        acc = sessions.get(sid)
        if acc is None:
            acc = sessions[sid] = _SessionAcc(first=ts, last=ts, anonymous_id=row[7], user_id=user)
        acc.count += 1
        acc.first = min(acc.first, ts)
        acc.last = max(acc.last, ts)
        if user is not None:
            acc.user_id = user
        if kind == "page_view":
            acc.page_views += 1
            if path is not None:
                if acc.entry_at is None or ts < acc.entry_at:
                    acc.entry_at, acc.entry_path = ts, path
                if acc.exit_at is None or ts >= acc.exit_at:
                    acc.exit_at, acc.exit_path = ts, path
        elif kind == "session_end":
            acc.ended_at = ts if acc.ended_at is None else max(acc.ended_at, ts)
    return sessions


def batch_store(cursor: psycopg.Cursor[Any], batch: PendingBatch) -> StoredBatch:
    """Store `batch` inside the caller's transaction. An event id already stored, or repeated
    within the batch, is a duplicate: stored once."""
    org_id = batch.organization_id
    new: list[tuple[Any, ...]] = []
    if batch.rows:
        ids = "{" + ",".join([str(r[1]) for r in batch.rows]) + "}"
        cursor.execute(_DEDUPE_SQL, (org_id, batch.received, ids))
        fresh: set[uuid.UUID] = {eid for (eid,) in cursor.fetchall()}
        for r in batch.rows:
            if r[1] in fresh:
                fresh.discard(r[1])  # the first occurrence takes it; a repeat is a duplicate
                new.append(r)

    ended: list[str] = []
    if new:
        with cursor.copy(COPY_SQL) as copy:
            for r in new:
                copy.write_row(r)
        sessions = _sessions(new)
        sids = sorted(sessions)  # a fixed order: two batches touching the same sessions cannot deadlock
        accs = [sessions[sid] for sid in sids]
        device = batch.device
        cursor.execute(
            _SESSION_SQL,
            {
                "org": org_id,
                "device": device.device_type,
                "browser": device.browser,
                "os": device.os,
                "country": device.country,
                "sid": sids,
                "anon": [a.anonymous_id for a in accs],
                "uid": [a.user_id for a in accs],
                "first": [a.first for a in accs],
                "last": [a.last for a in accs],
                "cnt": [a.count for a in accs],
                "pv": [a.page_views for a in accs],
                "entry": [a.entry_path for a in accs],
                "exit": [a.exit_path for a in accs],
                "ended": [a.ended_at for a in accs],
            },
        )
        # The sessions this batch ended that are not queued already: enqueue after commit.
        ended = [sid for sid, status in cursor.fetchall() if sessions[sid].ended_at is not None and status != "queued"]

    if batch.rejected:
        cursor.execute(
            _QUARANTINE_SQL,
            (
                org_id,
                batch.received,
                batch.key_prefix,
                [index for index, _, _, _ in batch.rejected],
                [event_id for _, event_id, _, _ in batch.rejected],
                [errors for _, _, errors, _ in batch.rejected],
                [raw for _, _, _, raw in batch.rejected],
            ),
        )
    return StoredBatch(stored=len(new), ended_sessions=ended)
