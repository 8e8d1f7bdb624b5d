"""`process_sessions --org SLUG [--now]`: enqueue an org's unprocessed sessions and work the queue to empty here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F, Q
from django.utils import timezone
from rq import SimpleWorker

from ingestion.models import Session, SessionStatus
from organizations.models import Organization
from processing.services import session_enqueue, session_queue


class Command(BaseCommand):
    help = "Enqueue an organization's sessions for processing and run the sessions queue to empty (burst mode)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument(
            "--now", action="store_true", help="process every open session now, not only ended or idle ones"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"no organization {options['org']!r}")
        pending = Session.objects.for_org(organization).filter(
            ~Q(status=SessionStatus.PROCESSED) | Q(event_count__gt=F("processed_event_count"))
        )
        if not options["now"]:
            idle = timezone.now() - timedelta(seconds=settings.CROW_SESSION_IDLE_SECONDS)
            pending = pending.filter(Q(ended_at__isnull=False) | Q(last_seen__lt=idle))
        # Outside a transaction, the queue's on-commit enqueue happens at once.
        queue = session_queue()
        keys = list(pending.values_list("session_id", flat=True))
        for key in keys:
            session_enqueue(organization_id=organization.pk, session_key=key, queue=queue)
        self.stdout.write(f"enqueued {len(keys)} session(s) of {organization.slug}")
        SimpleWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=True)
        processed = Session.objects.for_org(organization).filter(session_id__in=keys, status=SessionStatus.PROCESSED)
        self.stdout.write(f"processed {processed.count()} of {len(keys)}")
