"""Ingest benchmark: POST /v1/batch (50-event batches) against granian + the real stack, beside the
raw COPY ceiling of the same rows from one process, in the same run on the same database.

Runs on its own embedded servers under .crow/bench (created on first run), so it never touches the
data of `make up` or of the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH = 50
WORKERS = 2
THREADS = int(os.environ.get("CROW_BENCH_THREADS", "2"))  # per worker: 2 x 2 = 4 DB connections
CONCURRENCIES = [int(c) for c in os.environ.get("CROW_BENCH_CONCURRENCY", "8,32,64").split(",")]
DURATION = float(os.environ.get("CROW_BENCH_SECONDS", "8"))
WARMUP = 2.0
LOADGEN_PROCESSES = int(os.environ.get("CROW_BENCH_LOADGEN_PROCESSES", "2"))


def _body() -> bytes:
    import orjson

    from bench.loadgen import STAMP

    stamp = STAMP.decode()
    run = uuid.uuid4().hex[:12]
    events: list[dict[str, Any]] = []
    for i in range(BATCH):
        event_id = f"{stamp}-4{i:03x}-8000-{run}"
        kind = i % 5
        if kind == 0:
            events.append(
                {
                    "type": "page_view",
                    "event_id": event_id,
                    "url": f"https://shop.example/products/p{i}?utm_source=ad",
                    "title": "Laptop X1 - Shop",
                    "referrer": "https://google.com/",
                }
            )
        elif kind in (1, 2):
            events.append(
                {
                    "type": "click",
                    "event_id": event_id,
                    "x": 120.5,
                    "y": 300,
                    "element": {"selector": "button.add-to-cart", "tag": "button", "text": "Add to cart"},
                }
            )
        elif kind == 3:
            events.append({"type": "scroll", "event_id": event_id, "properties": {"depth": 75}})
        else:
            events.append(
                {
                    "type": "custom",
                    "name": "add_to_cart",
                    "event_id": event_id,
                    "properties": {"sku": "laptop-x1", "price": 1299.0},
                }
            )
    body = {
        "context": {"session_id": f"bench-{stamp}", "anonymous_id": "anon-1", "url": "https://shop.example/"},
        "events": events,
    }
    return orjson.dumps(body)


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def _copy_ceiling(url: str, org_id: int, key_id: int, seconds: float = 5.0) -> float:
    """Rows/s of COPY into ingestion_event from one process, same row shape as the server writes."""
    import psycopg

    from ingestion.storage import COPY_SQL

    now = datetime.now(UTC)
    template = (
        org_id,
        None,
        now,
        now,
        "click",
        None,
        "copy-ceiling",
        "anon-1",
        None,
        "shop.example",
        "/products/p1",
        None,
        "Laptop X1 - Shop",
        None,
        '{"selector": "button.add-to-cart", "tag": "button", "text": "Add to cart"}',
        120.5,
        300.0,
        '{"sku": "laptop-x1", "price": 1299.0}',
        "desktop",
        "Chrome",
        "Linux",
        "GB",
        "81.2.69.0",
        key_id,
    )
    rows = 0
    with psycopg.connect(url, autocommit=False) as conn:
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            with conn.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
                for _ in range(BATCH * 20):
                    copy.write_row((template[0], uuid.uuid4(), *template[2:]))
            conn.commit()
            rows += BATCH * 20
        elapsed = time.perf_counter() - started
    return rows / elapsed


def main() -> None:
    os.environ.setdefault("CROW_DATA_DIR", str(ROOT / ".crow" / "bench"))
    os.environ.setdefault("CROW_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crow.settings")
    os.environ.pop("CROW_TESTING", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import loadgen
    from organizations.models import ApiKeyKind, Organization
    from organizations.services import api_key_create

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:  # a clean slate each run keeps the bench database small
        cursor.execute(
            "TRUNCATE ingestion_event, ingestion_eventkey, ingestion_session, ingestion_quarantinedevent CASCADE"
        )
    org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    issued = api_key_create(organization=org, kind=ApiKeyKind.PUBLISHABLE, name="bench", rate_limit=100_000_000)
    connection.close()

    from crow.serving import granian_command
    from tests.conftest import free_port, wait_for_http  # the same helpers the tests use

    port = free_port()
    server = subprocess.Popen(
        granian_command(
            interface="wsgi",
            app="crow.wsgi:application",
            host="127.0.0.1",
            port=port,
            workers=WORKERS,
            threads=THREADS,
            extra=os.environ.get("CROW_BENCH_GRANIAN_ARGS", "").split(),
        ),
        cwd=ROOT,
        env={**os.environ, "CROW_DB_CONN_MAX_AGE": "600"},
        start_new_session=True,
    )
    body = _body()
    print(
        f"granian WSGI: {WORKERS} workers x {THREADS} threads; {BATCH}-event batches of {len(body)} bytes; "
        f"load generator: {LOADGEN_PROCESSES} processes, asyncio keep-alive; {DURATION:.0f} s per step"
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/v1/schema.json", server, timeout=60)
        best = 0.0
        total_ok: list[int] = []
        print(f"{'conc':>5} {'req/s':>8} {'events/s':>10} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}")
        for concurrency in CONCURRENCIES:
            result = loadgen.run(  # a fresh body per step: its run id keeps every step's event ids new
                host="127.0.0.1",
                port=port,
                path="/v1/batch",
                key=issued.raw,
                body=_body(),
                concurrency=concurrency,
                processes=min(LOADGEN_PROCESSES, concurrency),
                warmup=WARMUP,
                duration=DURATION,
            )
            lat = sorted(result.latencies)
            rps = result.requests / result.seconds
            ok = sum(c for s, c in result.statuses.items() if s == 202)
            total_ok.append(ok * BATCH)
            eps = ok * BATCH / result.seconds
            best = max(best, eps)
            print(
                f"{concurrency:>5} {rps:>8.0f} {eps:>10.0f} {_percentile(lat, 0.50):>7.1f} "
                f"{_percentile(lat, 0.95):>7.1f} {_percentile(lat, 0.99):>7.1f} {result.errors:>7}"
                + (f"  statuses={result.statuses}" if result.errors else "")
            )
            sys.stdout.flush()
    finally:
        server.terminate()
        server.wait(15)
    from ingestion.models import Event

    stored = Event.objects.for_org(org).count()
    ceiling = _copy_ceiling(os.environ["DATABASE_URL"], org.pk, issued.api_key.pk)
    sent = sum(total_ok)
    print(f"stored events: {stored} (202s x {BATCH} in the measured windows: {sent}; warm-up requests add the rest)")
    print(f"raw COPY ceiling (one process, {BATCH * 20}-row COPYs): {ceiling:,.0f} rows/s")
    print(f"best endpoint throughput: {best:,.0f} events/s = {best / ceiling:.0%} of the raw COPY ceiling")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE ingestion_event, ingestion_eventkey, ingestion_session CASCADE")


if __name__ == "__main__":
    main()
