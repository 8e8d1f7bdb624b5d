"""A small, fast HTTP/1.1 load generator: asyncio keep-alive connections in worker processes.

Each request body is a prebuilt template whose ids get a fresh 13-character stamp per request (one
bytes.replace), so the generator spends its CPU on sockets, not on building JSON, and every batch
is new to the server's dedupe. Pure Python: CI needs nothing extra (no wrk).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from dataclasses import dataclass

STAMP = b"XXXXXXXX-YYYY"


@dataclass
class Result:
    requests: int
    errors: int
    statuses: dict[int, int]
    latencies: list[float]
    seconds: float


def _stamp(proc: int, n: int) -> bytes:
    value = f"{proc % 16:01x}{n:011x}"  # 12 hex digits, unique per process and request
    return f"{value[:8]}-{value[8:12]}".encode()


async def _connection(
    host: str, port: int, head: bytes, body: bytes, proc: int, conn: int, stop_at: float, start_at: float, out: Result
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    n = conn << 28
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                return
            n += 1
            payload = head + body.replace(STAMP, _stamp(proc, n))
            t0 = time.perf_counter()
            writer.write(payload)
            status_line = await reader.readuntil(b"\r\n")
            headers = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in headers.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            elapsed = time.perf_counter() - t0
            status = int(status_line.split(b" ", 2)[1])
            if t0 >= start_at:  # requests in the warm-up are not counted
                out.requests += 1
                out.latencies.append(elapsed)
                out.statuses[status] = out.statuses.get(status, 0) + 1
                if status != 202:
                    out.errors += 1
    except (OSError, asyncio.IncompleteReadError):
        out.errors += 1
    finally:
        writer.close()


def _worker(args: tuple[str, int, bytes, bytes, int, int, float, float], queue: mp.Queue) -> None:  # type: ignore[type-arg]
    host, port, head, body, proc, connections, warmup, duration = args
    out = Result(0, 0, {}, [], duration)

    async def main() -> None:
        now = time.perf_counter()
        start_at, stop_at = now + warmup, now + warmup + duration
        await asyncio.gather(
            *(_connection(host, port, head, body, proc, c, stop_at, start_at, out) for c in range(connections))
        )

    asyncio.run(main())
    queue.put(out)


def run(
    *,
    host: str,
    port: int,
    path: str,
    key: str,
    body: bytes,
    concurrency: int,
    processes: int,
    warmup: float,
    duration: float,
) -> Result:
    """Drive `concurrency` keep-alive connections split over `processes` processes; merged results."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    per = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    procs = [
        ctx.Process(target=_worker, args=((host, port, head, body, i, c, warmup, duration), queue))
        for i, c in enumerate(per)
        if c
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=warmup + duration + 60) for _ in procs]
    for p in procs:
        p.join(10)
    merged = Result(0, 0, {}, [], duration)
    for r in results:
        merged.requests += r.requests
        merged.errors += r.errors
        merged.latencies.extend(r.latencies)
        for status, count in r.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + count
    return merged
