"""`interactions --org SLUG [--session ID] [--json]`: print an organization's interactions."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.models import Organization
from processing.selectors import interactions_for_org


class Command(BaseCommand):
    help = "Print an organization's interactions (newest first), as text or JSON lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--session", help="only this session id")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"no organization {options['org']!r}")
        interactions = interactions_for_org(organization=organization)
        if options["session"]:
            interactions = interactions.filter(session_key=options["session"])
        for interaction in interactions[: options["limit"]]:
            products = [p.name for p in interaction.products.all()] + list(interaction.unmatched_products)
            if options["json"]:
                row = {
                    "session_id": interaction.session_key,
                    "summary": interaction.summary,
                    "intent": interaction.intent,
                    "intent_confidence": interaction.intent_confidence,
                    "products": products,
                    "interpreter": interaction.interpreter,
                    "fallback_reason": interaction.fallback_reason,
                    "version": interaction.version,
                    "started_at": interaction.started_at.isoformat(),
                    "duration_seconds": interaction.duration_seconds,
                }
                self.stdout.write(json.dumps(row))
            else:
                self.stdout.write(
                    f"{interaction.started_at:%Y-%m-%d %H:%M} {interaction.session_key} "
                    f"[{interaction.intent} {interaction.intent_confidence:.2f}, {interaction.interpreter}] "
                    f"{interaction.summary}"
                )
