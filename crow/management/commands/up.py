"""`python manage.py up`: migrate, seed the demo, and run the whole stack in the foreground.

Processes: HTTP on --port through granian's WSGI workers; WebSockets on --port+1 through granian's
ASGI interface (Channels); an RQ worker with its scheduler; the rqcron process for periodic jobs.
Ctrl-C (or SIGTERM) stops them all, then the embedded Postgres/Redis this process started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crow.serving import granian_command
from organizations.demo import demo_seed


class Command(BaseCommand):
    help = "Run CROW: web (WSGI), WebSocket (ASGI), RQ worker and scheduler, with a seeded demo org."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-worker", action="store_true", help="run no RQ worker or scheduler")
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("CROW_WEB_WORKERS", "2")))
        parser.add_argument("--web-threads", type=int, default=int(os.environ.get("CROW_WEB_THREADS", "2")))
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        port, host = options["port"], options["host"]
        os.environ.setdefault("CROW_SESSION_IDLE_SECONDS", "60")  # the demo closes idle sessions fast
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        seed = None if options["no_seed"] else demo_seed()

        python, manage = sys.executable, str(settings.BASE_DIR / "manage.py")
        static = ["--static-path-route", "/static", "--static-path-mount", str(settings.STATIC_ROOT)]
        commands = {
            "web": granian_command(
                interface="wsgi",
                app="crow.wsgi:application",
                host=host,
                port=port,
                workers=options["web_workers"],
                threads=options["web_threads"],
                extra=static,
            ),
            "websocket": granian_command(interface="asginl", app="crow.asgi:application", host=host, port=port + 1),
        }
        if not options["no_worker"]:
            # Warnings only: a line per job would bury the banner; the admin and /healthz show the queue.
            quiet = ["-v", "0"] if options["verbosity"] < 2 else []
            commands["worker"] = [python, manage, "rqworker", "sessions", "default", "--with-scheduler", *quiet]
            commands["cron"] = [
                python,
                manage,
                "rqcron",
                "crow.cron",
                "--logging-level",
                "WARNING" if quiet else "INFO",
            ]

        children = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603
            for name, cmd in commands.items()
        }
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            self._wait_until_serving(host, port, children)
            base = f"http://{host}:{port}"
            self.stdout.write(self.style.SUCCESS(f"CROW is running at {base}/  (WebSocket on port {port + 1})"))
            self.stdout.write(f"  login:   {base}/accounts/login/    admin: {base}/admin/    health: {base}/healthz")
            if seed:
                self.stdout.write(
                    f"  demo org: {seed.organization.name}  owner: {seed.owner_email}  password: {seed.owner_password}"
                )
                self.stdout.write(f"  demo shop: {base}/demo/    publishable key: {seed.publishable_key}")
            self.stdout.write("Press Ctrl-C to stop.")
            sys.stdout.flush()
            while not stopping:
                dead = [name for name, proc in children.items() if proc.poll() is not None]
                if dead:
                    raise CommandError(f"{', '.join(dead)} exited; stopping everything")
                time.sleep(0.5)
        finally:
            for proc in children.values():
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in children.values():
                try:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            self.stdout.write("CROW stopped.")

    def _wait_until_serving(self, host: str, port: int, children: dict[str, subprocess.Popen[bytes]]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for name, proc in children.items():
                if proc.poll() is not None:
                    raise CommandError(f"{name} exited with {proc.returncode} while starting")
            try:
                with urllib.request.urlopen(f"http://{host}:{port}/accounts/login/", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise CommandError("the web server did not answer within 60 s")
