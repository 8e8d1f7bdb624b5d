"""Per-key rate limit (a token bucket in Redis) and per-key, per-minute usage counters.

Both fail open: when Redis is unreachable the events are still stored (Postgres is the durable
part), the limit is not enforced and the usage of that moment is not counted. A short circuit
breaker keeps a dead Redis from costing every request a connection attempt.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# KEYS[1] bucket; ARGV: rate (tokens/s), capacity, cost, want (>= cost), now (s, float).
# Grants between cost and want tokens when at least cost are there. Returns {granted, retry_after_ms}.
_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = capacity; ts = now end
if now > ts then tokens = math.min(capacity, tokens + (now - ts) * rate) end
local granted = 0
local wait_ms = 0
if tokens >= cost then
  granted = math.min(tokens, want)
  tokens = tokens - granted
else
  wait_ms = math.ceil((cost - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 't', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {math.floor(granted), wait_ms}
"""
# Tokens a process took from the shared bucket and has not spent yet: {prefix: (tokens, taken_at)}.
# Taking up to a tenth of a second of the key's rate at once turns one Redis call per request into
# one per several requests on busy keys; leftovers lapse after LOCAL_TOKENS_SECONDS so a process
# never sits on more than that slice of the limit.
_local_tokens: dict[str, tuple[float, float]] = {}
_local_lock = threading.Lock()
LOCAL_TOKENS_SECONDS = 0.5

USAGE_PENDING = "crow:usage:pending"
_client: redis.Redis | None = None
_client_lock = threading.Lock()
_down_until = 0.0
_bucket: Any = None


def redis_client() -> redis.Redis:
    global _client, _bucket
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = redis.Redis.from_url(
                    settings.REDIS_URL, socket_timeout=0.25, socket_connect_timeout=0.25, health_check_interval=30
                )
                _bucket = _client.register_script(_BUCKET_LUA)
    return _client


def _redis_available() -> bool:
    return time.monotonic() >= _down_until


def _redis_failed(exc: Exception) -> None:
    global _down_until
    _down_until = time.monotonic() + settings.CROW_REDIS_RETRY_SECONDS
    logger.warning("ingest_redis_unavailable", extra={"error": type(exc).__name__})


def rate_limit_check(*, key_prefix: str, rate: int, cost: int) -> float:
    """0 when `cost` events may pass now, else the seconds to wait (Retry-After)."""
    if rate <= 0 or cost <= 0 or not _redis_available():
        return 0.0
    now = time.monotonic()
    with _local_lock:
        tokens, taken_at = _local_tokens.get(key_prefix, (0.0, now))
        if tokens >= cost and now - taken_at < LOCAL_TOKENS_SECONDS:
            _local_tokens[key_prefix] = (tokens - cost, taken_at)
            return 0.0
    capacity = max(rate * settings.CROW_RATE_LIMIT_BURST_SECONDS, 500)
    cost = min(cost, capacity)
    want = max(cost, rate // 10)
    try:
        redis_client()
        granted, wait_ms = _bucket(keys=[f"crow:rl:{key_prefix}"], args=[rate, capacity, cost, want, time.time()])
    except (redis.RedisError, OSError) as exc:
        _redis_failed(exc)
        return 0.0
    if int(granted) < cost:
        return max(1.0, math.ceil(int(wait_ms) / 1000))
    with _local_lock:
        _local_tokens[key_prefix] = (float(int(granted) - cost), time.monotonic())
    return 0.0


_usage: dict[tuple[str, int], list[int]] = {}
_usage_lock = threading.Lock()
_usage_pushed_at = 0.0


def usage_record(*, key_prefix: str, accepted: int = 0, rejected: int = 0, rate_limited: int = 0) -> None:
    """Count this request's events. Counts gather in the process and go to Redis at most once per
    CROW_USAGE_PUSH_SECONDS (one pipelined round trip per process per second rather than one per
    request); at worst the last second of a process that dies uncounted is lost, never an event."""
    minute = int(time.time() // 60) * 60
    with _usage_lock:
        counts = _usage.setdefault((key_prefix, minute), [0, 0, 0])
        counts[0] += accepted
        counts[1] += rejected
        counts[2] += rate_limited
    if time.monotonic() - _usage_pushed_at >= settings.CROW_USAGE_PUSH_SECONDS:
        usage_push()


def usage_push() -> None:
    """Move this process's gathered counts into crow:usage:<key prefix>:<minute> (a prefix, unlike an
    id, is never reused); usage_flush_job moves finished minutes into KeyUsage."""
    global _usage_pushed_at
    with _usage_lock:
        _usage_pushed_at = time.monotonic()
        if not _usage or not _redis_available():
            return
        pending = dict(_usage)
        _usage.clear()
    try:
        pipe = redis_client().pipeline(transaction=False)
        for (prefix, minute), (accepted, rejected, rate_limited) in pending.items():
            name = f"crow:usage:{prefix}:{minute}"
            for field, value in (("accepted", accepted), ("rejected", rejected), ("rate_limited", rate_limited)):
                if value:
                    pipe.hincrby(name, field, value)
            pipe.expire(name, 7 * 24 * 3600)
            pipe.sadd(USAGE_PENDING, name)
        pipe.execute()
    except (redis.RedisError, OSError) as exc:
        _redis_failed(exc)


def usage_flush(*, include_current: bool = False) -> int:
    """Add every finished minute's counters to KeyUsage, then drop them from Redis. Returns rows written.

    The database write comes first: a crash between the two counts a minute twice rather than
    losing it, and the upsert adds, so the usual run is exact.
    """
    from django.db import connection

    from organizations.models import ApiKey

    usage_push()  # this process's own counts first (the in-process flush in tests and commands)
    client = redis_client()
    current = int(time.time() // 60) * 60
    written = 0
    for raw_name in client.smembers(USAGE_PENDING):  # type: ignore[union-attr]
        name = raw_name.decode() if isinstance(raw_name, bytes) else str(raw_name)
        _, _, prefix, minute = name.split(":")
        if int(minute) >= current and not include_current:
            continue
        counts = {k.decode(): int(v) for k, v in client.hgetall(name).items()}  # type: ignore[union-attr]
        owner = ApiKey.objects.filter(prefix=prefix).values_list("id", "organization_id").first()
        if owner is not None and counts:
            key_id, org_id = owner
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO ingestion_keyusage"
                    " (organization_id, api_key_id, minute, accepted, rejected, rate_limited)"
                    " VALUES (%s, %s, to_timestamp(%s), %s, %s, %s)"
                    " ON CONFLICT (api_key_id, minute) DO UPDATE SET"
                    " accepted = ingestion_keyusage.accepted + EXCLUDED.accepted,"
                    " rejected = ingestion_keyusage.rejected + EXCLUDED.rejected,"
                    " rate_limited = ingestion_keyusage.rate_limited + EXCLUDED.rate_limited",
                    [
                        org_id,
                        key_id,
                        int(minute),
                        counts.get("accepted", 0),
                        counts.get("rejected", 0),
                        counts.get("rate_limited", 0),
                    ],
                )
            written += 1
        pipe = client.pipeline()
        pipe.delete(name)
        pipe.srem(USAGE_PENDING, name)
        pipe.execute()
    return written
