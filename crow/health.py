"""GET /healthz: the state of every real component, 200 only when all are up."""

from __future__ import annotations

import time

import django_rq
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from rq import Worker

QUEUES = ("sessions", "default")


def _check_database() -> tuple[dict[str, object], dict[str, object]]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the reason goes in the body
        down = {"up": False, "error": type(exc).__name__}
        return down, {"up": False, "error": "database down"}
    pgvector = {"up": True, "version": row[0]} if row else {"up": False, "error": "extension missing"}
    return {"up": True}, pgvector


def _check_redis() -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
    try:
        conn = django_rq.get_connection("sessions")
        conn.ping()
        depth = {name: django_rq.get_queue(name).count for name in QUEUES}
        now = time.time()
        beats = [w.last_heartbeat.timestamp() for w in Worker.all(connection=conn) if w.last_heartbeat]
    except Exception as exc:  # Redis refused, timed out or vanished: report, never raise
        down = {"up": False, "error": type(exc).__name__}
        return down, {"up": False, "error": "redis down"}, {"up": False, "error": "redis down"}
    fresh = [b for b in beats if now - b < settings.CROW_WORKER_HEARTBEAT_SECONDS]
    worker: dict[str, object] = {"up": bool(fresh), "workers": len(fresh)}
    if fresh:
        worker["last_heartbeat_seconds_ago"] = round(now - max(fresh), 1)
    else:
        worker["error"] = "no worker heartbeat"
    return {"up": True}, {"up": True, "depth": depth}, worker


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database, pgvector = _check_database()
    redis, queue, worker = _check_redis()
    checks = {"database": database, "pgvector": pgvector, "redis": redis, "queue": queue, "worker": worker}
    down = [name for name, state in checks.items() if not state["up"]]
    body = {"status": "ok" if not down else "degraded", "down": down, **checks}
    return JsonResponse(body, status=200 if not down else 503)
