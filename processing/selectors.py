"""Reads for processing. Every one takes the organization and filters by it first."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from ingestion.models import Event, Session
from organizations.models import Organization
from processing.domain import TimelineEvent
from processing.models import DeadLetter, Interaction, ProcessingSettings, SessionRun

# Events of one batch sent without timestamps share the receive time; the physical row order (ctid,
# within the one partition such events share) is the order COPY wrote them in, which is the batch order.
EVENT_ORDER = ("timestamp", "received_at", RawSQL("ctid", []).asc())
EVENT_FIELDS = (
    "event_id",
    "type",
    "timestamp",
    "name",
    "url_path",
    "url_query",
    "title",
    "referrer",
    "element",
    "properties",
)


def session_get(*, organization_id: int, session_key: str) -> Session:
    return Session.objects.for_org(organization_id).get(session_id=session_key)


def session_events(*, organization_id: int, session_key: str, limit: int | None = None) -> list[TimelineEvent]:
    """The session's events in time order, as the steps read them (no per-event model instances)."""
    rows = (
        Event.objects.for_org(organization_id)
        .filter(session_id=session_key)
        .order_by(*EVENT_ORDER)
        .values_list(*EVENT_FIELDS)
    )
    if limit is not None:
        rows = rows[:limit]
    events = []
    for index, row in enumerate(rows):
        element = row[8]
        if isinstance(element, str):  # tolerate a bare string element, as the wire format allows
            element = {"name": element}
        events.append(
            TimelineEvent(
                index=index,
                event_id=str(row[0]),
                type=row[1],
                timestamp=row[2],
                name=row[3],
                url_path=row[4],
                url_query=row[5],
                title=row[6],
                referrer=row[7],
                element=element,
                properties=row[9] if isinstance(row[9], dict) else None,
            )
        )
    return events


def session_event_count(*, organization_id: int, session_key: str) -> int:
    return Event.objects.for_org(organization_id).filter(session_id=session_key).count()


def prompt_addition_for(*, organization_id: int) -> str:
    value = ProcessingSettings.objects.for_org(organization_id).values_list("llm_prompt_addition", flat=True).first()
    return value or ""


def interactions_for_org(*, organization: Organization | int) -> QuerySet[Interaction]:
    return Interaction.objects.for_org(organization).prefetch_related("products").order_by("-started_at")


def interaction_for_session(*, organization: Organization | int, session_key: str) -> Interaction | None:
    return interactions_for_org(organization=organization).filter(session_key=session_key).first()


def session_runs_for(*, organization: Organization | int, session_key: str) -> QuerySet[SessionRun]:
    return SessionRun.objects.for_org(organization).filter(session__session_id=session_key).order_by("created_at")


def dead_letters_for_org(*, organization: Organization | int) -> QuerySet[DeadLetter]:
    return DeadLetter.objects.for_org(organization)
