"""Writes for processing: the session workflow, enqueueing it, dead letters and their requeue.

`session_process` runs validate → enrich → interpret → embed → store for one session. Every step
checks the run's checkpoint first and computes only what is missing, then saves its output under a
row lock before the next step starts; so a job retried after a crash (or run twice) resumes where it
stopped and never makes a second interaction."""

from __future__ import annotations

import logging
import traceback as traceback_module
from collections.abc import Callable
from datetime import datetime
from typing import Any

import django_rq
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rq import Queue, Retry

from ingestion import handoff
from ingestion.models import Session, SessionStatus
from organizations.models import Product
from processing import archive, selectors
from processing.domain import Interpretation, SessionContext, TimelineEvent, context_from_json, context_to_json
from processing.embedders import embedder_for_settings, embedding_check
from processing.interpreters import interpreter_for_settings
from processing.models import DeadLetter, Interaction, RunStatus, SessionRun, Step
from processing.steps.enrich import session_enrich

logger = logging.getLogger(__name__)


# --- enqueueing -------------------------------------------------------------------------------


def session_job_id(*, organization_id: int, session_key: str) -> str:
    # One id for both enqueuers (ingest's hand-off and ours), so either enqueue dedupes the other.
    return handoff.session_job_id(organization_id=organization_id, session_id=session_key)


def session_retry() -> Retry | None:
    """Exponential backoff: base, 2*base, 4*base … seconds (CROW_SESSION_RETRY_*)."""
    attempts = settings.CROW_SESSION_RETRY_MAX
    if attempts < 1:
        return None
    base = settings.CROW_SESSION_RETRY_BASE_SECONDS
    return Retry(max=attempts, interval=[base * 2**i for i in range(attempts)])


def session_queue() -> Queue:
    return django_rq.get_queue(settings.CROW_SESSION_QUEUE)


def session_enqueue(*, organization_id: int, session_key: str, queue: Queue | None = None) -> bool:
    """Enqueue the session's job through ingest's hand-off (one mechanism, one job id, one set of
    job options for both apps); False when the session does not exist or Redis is down. The job
    gives itself its retries on its first failure (processing/jobs.py)."""
    return handoff.session_enqueue(
        organization_id=organization_id, session_id=session_key, queue=queue or session_queue()
    )


# --- the workflow -----------------------------------------------------------------------------


def _checkpoint(run_pk: int, step: Step, compute: Callable[[SessionRun], dict[str, Any]]) -> SessionRun:
    """Run one step unless its checkpoint exists; save its output under the run's row lock.

    The work happens outside the lock (an LLM call can take seconds); if another worker finished
    the step meanwhile, its checkpoint wins and this result is dropped."""
    run = SessionRun.objects.get(pk=run_pk)
    if run.status != RunStatus.RUNNING or run.step_done(step):
        return run
    output = compute(run)
    with transaction.atomic():
        locked = SessionRun.objects.select_for_update().get(pk=run_pk)
        if locked.status != RunStatus.RUNNING or locked.step_done(step):
            return locked
        embedding = output.pop("_embedding", None)
        if embedding is not None:
            locked.embedding = embedding
        status = output.pop("_status", None)
        if status is not None:
            locked.status = status
        locked.checkpoints = {**locked.checkpoints, str(step): output}
        locked.step_runs = {**locked.step_runs, str(step): locked.step_runs.get(str(step), 0) + 1}
        locked.last_step = step
        locked.save(update_fields=["checkpoints", "step_runs", "last_step", "status", "embedding", "updated_at"])
    return locked


def embedding_text(*, interpretation: Interpretation, context: SessionContext) -> str:
    parts = [interpretation.summary, f"Intent: {interpretation.intent}."]
    if interpretation.products:
        parts.append("Products: " + ", ".join(interpretation.products) + ".")
    if context.pages:
        parts.append("Pages: " + " ".join(context.pages[:20]))
    return " ".join(parts)


def _session_mark_processed(*, session: Session, event_count: int) -> None:
    Session.objects.for_org(session.organization_id).filter(pk=session.pk).update(
        status=SessionStatus.PROCESSED, processed_event_count=event_count
    )


def _store(
    *, session: Session, run: SessionRun, context: SessionContext, interpretation: Interpretation
) -> dict[str, Any]:
    organization_id = session.organization_id
    archive_path = archive.session_archive_write(
        organization_id=organization_id, session_key=session.session_id, day=context.started_at.date()
    )
    catalog_ids = {p.name.lower(): p.product_id for p in context.products if p.product_id is not None}
    matched = {name: catalog_ids[name.lower()] for name in interpretation.products if name.lower() in catalog_ids}
    unmatched = [name for name in interpretation.products if name not in matched]
    fields: dict[str, Any] = {
        "session_key": session.session_id,
        "summary": interpretation.summary,
        "intent": interpretation.intent,
        "intent_confidence": interpretation.intent_confidence,
        "goals": interpretation.goals,
        "behaviors": interpretation.behaviors,
        "predicted_next_action": interpretation.predicted_next_action,
        "key_moments": [m.__dict__ for m in interpretation.key_moments],
        "frustration_signals": [s.__dict__ for s in interpretation.frustration_signals],
        "unmatched_products": unmatched,
        "started_at": context.started_at,
        "ended_at": context.ended_at,
        "duration_seconds": context.duration_seconds,
        "pages": context.pages,
        "page_views": context.page_views,
        "event_count": run.event_count,
        "device_type": context.device_type,
        "browser": context.browser,
        "os": context.os,
        "country": context.country,
        "embedding": run.embedding,
        "embedder": run.checkpoints.get(Step.EMBED, {}).get("embedder", ""),
        "interpreter": interpretation.interpreter,
        "fallback_reason": interpretation.fallback_reason,
    }
    with transaction.atomic():
        # The session row lock serialises two runs of one session (an old and a grown one).
        Session.objects.select_for_update().filter(pk=session.pk).first()
        interaction = Interaction.objects.for_org(organization_id).select_for_update().filter(session=session).first()
        if interaction is None:
            interaction = Interaction.objects.create(organization_id=organization_id, session=session, **fields)
        else:
            if interaction.event_count > run.event_count:
                # A newer run already stored a later reading; an older one must not overwrite it.
                return {"interaction_id": interaction.pk, "version": interaction.version, "stale": True}
            if interaction.event_count != run.event_count:
                fields["version"] = interaction.version + 1
            for name, value in fields.items():
                setattr(interaction, name, value)
            interaction.save()
        products = Product.objects.for_org(organization_id).filter(pk__in=matched.values())
        interaction.products.set(products)
        _session_mark_processed(session=session, event_count=run.event_count)
    return {"interaction_id": interaction.pk, "version": interaction.version, "archive": archive_path}


def session_process(*, organization_id: int, session_key: str) -> SessionRun | None:
    """Process one session of one organization; returns its run (None if the session is gone)."""
    session = Session.objects.for_org(organization_id).filter(session_id=session_key).first()
    if session is None:
        logger.info("session_process_missing", extra={"org": organization_id})
        return None
    events: list[TimelineEvent] = selectors.session_events(organization_id=organization_id, session_key=session_key)
    run, _ = SessionRun.objects.get_or_create(organization_id=organization_id, session=session, event_count=len(events))
    SessionRun.objects.filter(pk=run.pk).update(attempts=F("attempts") + 1)
    if run.status != RunStatus.RUNNING:
        _session_mark_processed(session=session, event_count=run.event_count)
        return run

    def validate(run: SessionRun) -> dict[str, Any]:
        usable = [e for e in events if e.type != "session_end"]
        out: dict[str, Any] = {"event_count": len(events), "usable_events": len(usable)}
        if len(usable) < settings.CROW_SESSION_MIN_EVENTS:
            out["_status"] = RunStatus.SKIPPED
        return out

    def enrich(run: SessionRun) -> dict[str, Any]:
        addition = selectors.prompt_addition_for(organization_id=organization_id)
        return context_to_json(session_enrich(session=session, events=events, prompt_addition=addition))

    def interpret(run: SessionRun) -> dict[str, Any]:
        context = context_from_json(run.checkpoints[Step.ENRICH])
        limited = events[: settings.CROW_SESSION_MAX_EVENTS]
        return interpreter_for_settings().interpret(context=context, events=limited).to_json()

    def embed(run: SessionRun) -> dict[str, Any]:
        context = context_from_json(run.checkpoints[Step.ENRICH])
        interpretation = Interpretation.from_json(run.checkpoints[Step.INTERPRET])
        embedder = embedder_for_settings()
        [vector] = embedder.embed([embedding_text(interpretation=interpretation, context=context)])
        return {"_embedding": embedding_check(vector), "embedder": embedder.name, "dimensions": len(vector)}

    def store(run: SessionRun) -> dict[str, Any]:
        context = context_from_json(run.checkpoints[Step.ENRICH])
        interpretation = Interpretation.from_json(run.checkpoints[Step.INTERPRET])
        return {
            **_store(session=session, run=run, context=context, interpretation=interpretation),
            "_status": RunStatus.DONE,
        }

    for step, compute in (
        (Step.VALIDATE, validate),
        (Step.ENRICH, enrich),
        (Step.INTERPRET, interpret),
        (Step.EMBED, embed),
        (Step.STORE, store),
    ):
        run = _checkpoint(run.pk, step, compute)
        if run.status == RunStatus.SKIPPED:
            _session_mark_processed(session=session, event_count=run.event_count)
            break
    return run


# --- dead letters -----------------------------------------------------------------------------


def dead_letter_record(
    *, organization_id: int, session_key: str, job_id: str, error: BaseException, attempts: int
) -> DeadLetter:
    run = selectors.session_runs_for(organization=organization_id, session_key=session_key).last()
    failed_step = ""
    if run is not None:
        from processing.models import STEP_ORDER

        done = STEP_ORDER.index(Step(run.last_step)) + 1 if run.last_step else 0
        failed_step = STEP_ORDER[done] if done < len(STEP_ORDER) else ""
        SessionRun.objects.filter(pk=run.pk).update(last_error=f"{type(error).__name__}: {error}"[:2000])
    return DeadLetter.objects.create(
        organization_id=organization_id,
        session_key=session_key,
        job_id=job_id,
        func=settings.CROW_SESSION_JOB,
        error=f"{type(error).__name__}: {error}"[:2000],
        traceback="".join(traceback_module.format_exception(error))[-20000:],
        attempts=attempts,
        failed_step=failed_step,
    )


def dead_letter_requeue(*, dead_letter: DeadLetter, queue: Queue | None = None) -> bool:
    """Enqueue the session again; False (and the letter left as it was) when that was not possible."""
    queued = session_enqueue(
        organization_id=dead_letter.organization_id, session_key=dead_letter.session_key, queue=queue
    )
    if queued:
        DeadLetter.objects.for_org(dead_letter.organization_id).filter(pk=dead_letter.pk).update(
            requeued_at=timezone.now()
        )
    return queued


def interactions_delete_before(*, organization_id: int, cutoff: datetime) -> int:
    deleted, _ = Interaction.objects.for_org(organization_id).filter(ended_at__lt=cutoff).delete()
    return deleted
