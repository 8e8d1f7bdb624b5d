"""`python manage.py events --org SLUG [--session ID] [--limit N]`: stored events as JSON lines."""

from __future__ import annotations

import sys
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingestion.selectors import events_for_org
from ingestion.storage import EVENT_COLUMNS
from organizations.models import Organization

FIELDS = [c for c in EVENT_COLUMNS if c not in ("organization_id", "api_key_id")]


class Command(BaseCommand):
    help = "Print an organization's stored events (newest first) as JSON lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--session", default=None, help="only this session_id")
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"no organization with slug {options['org']!r}")
        rows = events_for_org(organization_id=org.pk, session_id=options["session"], limit=options["limit"])
        out = self.stdout if self.stdout is not None else sys.stdout
        for row in rows.values(*FIELDS):
            out.write(orjson.dumps(row, option=orjson.OPT_NAIVE_UTC).decode())
