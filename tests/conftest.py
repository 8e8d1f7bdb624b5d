"""Shared fixtures. Everything is real: the embedded Postgres (test database) and Redis under
.crow/test, granian serving the WSGI app, RQ workers on the same Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from crow.serving import granian_command
from tests.factories import KeyFactory, OrgFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url_for_tests() -> str:
    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}@/{db['NAME']}?host={db['HOST']}"


def wait_for_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def start_web_server(
    *, extra_env: dict[str, str] | None = None, workers: int = 1
) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url_for_tests(), "CROW_TESTING": "1", **(extra_env or {})}
    proc = subprocess.Popen(
        granian_command(
            interface="wsgi", app="crow.wsgi:application", host="127.0.0.1", port=port, workers=workers, threads=4
        ),
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/accounts/login/", proc)
    return url, proc


@pytest.fixture(scope="session")
def crow_server(django_db_setup: None, django_db_blocker: object) -> Iterator[str]:
    """The real WSGI app under granian, on the test database. Tests using it need `transactional_db`."""
    url, proc = start_web_server()
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def org_factory(db: None) -> type[OrgFactory]:
    return OrgFactory


@pytest.fixture
def user_factory(db: None) -> type[UserFactory]:
    return UserFactory


@pytest.fixture
def key_factory(db: None) -> type[KeyFactory]:
    return KeyFactory


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    from organizations import key_cache

    key_cache.invalidate()
    yield
    key_cache.invalidate()
