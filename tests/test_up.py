"""`manage.py up` on a fresh data dir: its own embedded servers, the demo seed, every process, a clean stop."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import orjson
import psutil
import pytest

from tests.conftest import ROOT, free_port


def _running(pid: int, wait: float = 15) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            return False
        time.sleep(0.2)
    return True


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.timeout(240)
def test_up_serves_login_admin_and_healthy_stack(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CROW_TESTING"}}
    env.update(CROW_DATA_DIR=str(tmp_path / "data"), CROW_DEV="1")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "up", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = b""
    try:
        deadline = time.monotonic() + 180
        while b"Press Ctrl-C" not in output:
            assert proc.poll() is None, output.decode()
            assert time.monotonic() < deadline, output.decode()
            assert proc.stdout is not None
            output += proc.stdout.readline()
        text = output.decode()
        assert "owner: owner@demo.shop" in text
        assert "publishable key: pk_live_" in text
        base = f"http://127.0.0.1:{port}"
        assert get(f"{base}/accounts/login/")[0] == 200
        assert get(f"{base}/admin/login/")[0] == 200
        # The worker's first heartbeat can trail the web server by a moment.
        for _ in range(50):
            status, body = get(f"{base}/healthz")
            if status == 200:
                break
            time.sleep(0.2)
        health = orjson.loads(body)
        assert status == 200, health
        assert health["database"]["up"] and health["pgvector"]["up"] and health["redis"]["up"]
        postgres_pid = int((tmp_path / "data" / "pg" / "postmaster.pid").read_text().split()[0])
        assert psutil.pid_exists(postgres_pid)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
    assert proc.returncode == 0
    assert not _running(postgres_pid), "up left its Postgres running"
    assert not (tmp_path / "data" / "redis" / "redis.sock").exists(), "up left its Redis running"
