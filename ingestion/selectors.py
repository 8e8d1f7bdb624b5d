"""Reads over stored events and sessions, always scoped by organization."""

from __future__ import annotations

from django.db.models import QuerySet

from ingestion.models import Event, QuarantinedEvent, Session


def events_for_org(*, organization_id: int, session_id: str | None = None, limit: int = 100) -> QuerySet[Event]:
    """The org's latest events (newest first), optionally of one session."""
    queryset = Event.objects.for_org(organization_id)
    if session_id is not None:
        queryset = queryset.filter(session_id=session_id)
    return queryset.order_by("-timestamp")[:limit]


def sessions_for_org(*, organization_id: int) -> QuerySet[Session]:
    return Session.objects.for_org(organization_id)


def quarantine_for_org(*, organization_id: int) -> QuerySet[QuarantinedEvent]:
    return QuarantinedEvent.objects.for_org(organization_id)
