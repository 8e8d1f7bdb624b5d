"""A per-process cache of API keys for the ingest hot path.

Each process trusts what it read for CROW_KEY_CACHE_SECONDS (0.5 s by default), then reads the key
again: one indexed query per key per process per half second instead of one per request, and a
revocation or an expired rotation grace is seen by every process within that window — no
cross-process message needed, and it keeps working when Redis is down. Unknown prefixes are cached
too, so a flood of made-up keys does not reach the database on every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from threading import Lock


@dataclass(frozen=True)
class CachedKey:
    id: int
    organization_id: int
    kind: str
    prefix: str
    key_hash: str
    allowed_domains: tuple[str, ...]
    rate_limit: int
    revoked: bool
    expires_at: datetime | None
    anonymize_ip: bool
    respect_dnt: bool


_entries: dict[str, tuple[float, CachedKey | None]] = {}
_lock = Lock()


def get(prefix: str, ttl: float) -> tuple[bool, CachedKey | None]:
    """Return (hit, key). A hit with key None means "known not to exist"."""
    entry = _entries.get(prefix)
    if entry is None or time.monotonic() - entry[0] > ttl:
        return False, None
    return True, entry[1]


def put(prefix: str, key: CachedKey | None) -> None:
    with _lock:
        if len(_entries) > 50_000:  # bounded: forget everything rather than grow without limit
            _entries.clear()
        _entries[prefix] = (time.monotonic(), key)


def invalidate(prefix: str | None = None) -> None:
    with _lock:
        if prefix is None:
            _entries.clear()
        else:
            _entries.pop(prefix, None)
