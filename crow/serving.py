"""The granian command line, shared by `up`, the test servers and the benchmark."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def granian_command(
    *,
    interface: str,
    app: str,
    host: str,
    port: int,
    workers: int = 1,
    threads: int | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    command = [sys.executable, "-m", "granian", "--interface", interface, "--host", host, "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    if threads is not None:
        command += ["--blocking-threads", str(threads)]
    return [*command, *extra, app]
