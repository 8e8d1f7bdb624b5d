from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.core.files.storage import storages

from ingestion.models import Session
from processing import archive, selectors, services
from processing.models import DeadLetter, Interaction, RunStatus, SessionRun
from tests.factories import OrgFactory, events_insert
from tests.processing.conftest import ACCEPTANCE_EVENTS, EXPECTED_SUMMARY

pytestmark = pytest.mark.django_db


class FlakyEmbedder:
    """An embedder that fails its first `failures` calls: the failure injected into the embed step."""

    name = "flaky"
    failures: ClassVar[int] = 1
    calls: ClassVar[int] = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        FlakyEmbedder.calls += 1
        if FlakyEmbedder.calls <= FlakyEmbedder.failures:
            raise ConnectionError("embedding provider unavailable")
        return [[1.0] + [0.0] * 383 for _ in texts]


@pytest.fixture
def flaky(processing_settings: Any) -> type[FlakyEmbedder]:
    from processing import embedders

    FlakyEmbedder.calls = 0
    processing_settings.CROW_EMBEDDINGS = "tests.processing.test_workflow.FlakyEmbedder"
    embedders._cache.pop(processing_settings.CROW_EMBEDDINGS, None)
    return FlakyEmbedder


def test_process_session_end_to_end(shop: Any, sessions_queue: Any, run_queue: Any) -> None:
    events_insert(shop, "s-1", [*ACCEPTANCE_EVENTS, {"type": "session_end", "t": 40}])
    services.session_enqueue(organization_id=shop.pk, session_key="s-1", queue=sessions_queue)
    run_queue()

    interaction = Interaction.objects.for_org(shop).get(session_key="s-1")
    assert interaction.summary == EXPECTED_SUMMARY
    assert interaction.intent == "purchasing"
    assert interaction.confidence_label == "high"
    assert [p.name for p in interaction.products.all()] == ["Laptop X1"]
    assert len(interaction.embedding) == 384
    assert interaction.interpreter == "rules"
    assert interaction.pages == ["/products/laptop-x1", "/cart"]
    assert interaction.duration_seconds == 40
    session = Session.objects.for_org(shop).get(session_id="s-1")
    assert (session.status, session.processed_event_count) == ("processed", 5)
    rows = archive.session_archive_read(organization_id=shop.pk, session_key="s-1", day=interaction.started_at.date())
    assert [r["type"] for r in rows] == ["page_view", "click", "page_view", "click", "session_end"]


def test_run_it_twice_is_idempotent(shop: Any, processing_settings: Any) -> None:
    events_insert(shop, "s-2", ACCEPTANCE_EVENTS)
    first = services.session_process(organization_id=shop.pk, session_key="s-2")
    second = services.session_process(organization_id=shop.pk, session_key="s-2")
    assert first is not None and second is not None
    assert first.pk == second.pk
    assert Interaction.objects.for_org(shop).count() == 1
    assert SessionRun.objects.for_org(shop).get().step_runs == {
        "validate": 1,
        "enrich": 1,
        "interpret": 1,
        "embed": 1,
        "store": 1,
    }
    assert Interaction.objects.for_org(shop).get().version == 1


def test_enqueue_twice_is_one_job(shop: Any, sessions_queue: Any) -> None:
    events_insert(shop, "s-3", ACCEPTANCE_EVENTS)
    a = services.session_enqueue(organization_id=shop.pk, session_key="s-3", queue=sessions_queue)
    b = services.session_enqueue(organization_id=shop.pk, session_key="s-3", queue=sessions_queue)
    assert a and b
    [job_id] = sessions_queue.job_ids
    assert job_id == services.session_job_id(organization_id=shop.pk, session_key="s-3")
    assert sessions_queue.count == 1


def test_embed_failure_is_retried_and_resumes_at_embed(
    shop: Any, sessions_queue: Any, run_queue: Any, flaky: type[FlakyEmbedder]
) -> None:
    events_insert(shop, "s-4", ACCEPTANCE_EVENTS)
    # Enqueued the way ingest does it: by dotted path, with no Retry; the job gives itself one.
    sessions_queue.enqueue(
        "processing.jobs.session_process_job",
        kwargs={"organization_id": shop.pk, "session_id": "s-4"},
        job_id=services.session_job_id(organization_id=shop.pk, session_key="s-4"),
    )
    run_queue()

    run = SessionRun.objects.for_org(shop).get()
    assert run.status == RunStatus.DONE
    assert run.attempts == 2
    # The first attempt stopped in embed; the retry did not interpret again.
    assert run.step_runs == {"validate": 1, "enrich": 1, "interpret": 1, "embed": 1, "store": 1}
    assert flaky.calls == 2
    assert Interaction.objects.for_org(shop).count() == 1
    assert not DeadLetter.objects.for_org(shop).exists()


def test_exhausted_retries_dead_letter_and_requeue_recovers(
    shop: Any, sessions_queue: Any, run_queue: Any, flaky: type[FlakyEmbedder]
) -> None:
    flaky.failures = 3  # the first attempt and both retries fail
    events_insert(shop, "s-5", ACCEPTANCE_EVENTS)
    services.session_enqueue(organization_id=shop.pk, session_key="s-5", queue=sessions_queue)
    run_queue()

    letter = DeadLetter.objects.for_org(shop).get()
    assert letter.session_key == "s-5"
    assert "embedding provider unavailable" in letter.error
    assert "ConnectionError" in letter.traceback
    assert letter.failed_step == "embed"
    assert letter.attempts == 3
    assert not Interaction.objects.for_org(shop).exists()

    services.dead_letter_requeue(dead_letter=letter, queue=sessions_queue)
    run_queue()
    interaction = Interaction.objects.for_org(shop).get()
    assert interaction.summary == EXPECTED_SUMMARY
    assert SessionRun.objects.for_org(shop).get().step_runs["interpret"] == 1
    letter.refresh_from_db()
    assert letter.requeued_at is not None
    FlakyEmbedder.failures = 1


def test_grown_session_updates_interaction_with_new_version(shop: Any, processing_settings: Any) -> None:
    events_insert(shop, "s-6", ACCEPTANCE_EVENTS[:1])
    services.session_process(organization_id=shop.pk, session_key="s-6")
    first = Interaction.objects.for_org(shop).get()
    assert first.version == 1
    assert first.intent != "purchasing"

    events_insert(shop, "s-6", [{**e, "t": e["t"] + 1} for e in ACCEPTANCE_EVENTS[1:]])
    services.session_process(organization_id=shop.pk, session_key="s-6")
    second = Interaction.objects.for_org(shop).get()
    assert second.pk == first.pk
    assert second.version == 2
    assert second.intent == "purchasing"
    assert SessionRun.objects.for_org(shop).count() == 2


def test_job_for_one_org_never_reads_another_orgs_events(processing_settings: Any) -> None:
    a = OrgFactory.with_catalog(OrgFactory.create(name="A"))
    b = OrgFactory.with_catalog(OrgFactory.create(name="B"))
    events_insert(a, "same-id", ACCEPTANCE_EVENTS[:1])
    events_insert(b, "same-id", [*ACCEPTANCE_EVENTS, {"type": "page_view", "url_path": "/products/phone-z5", "t": 50}])

    services.session_process(organization_id=a.pk, session_key="same-id")
    interaction = Interaction.objects.for_org(a).get()
    assert interaction.event_count == 1
    assert "checkout" not in interaction.summary
    assert [p.organization_id for p in interaction.products.all()] == [a.pk]
    assert not Interaction.objects.for_org(b).exists()
    assert selectors.interaction_for_session(organization=b, session_key="same-id") is None


def test_too_few_events_is_skipped(shop: Any, processing_settings: Any) -> None:
    events_insert(shop, "s-7", [{"type": "session_end"}])
    run = services.session_process(organization_id=shop.pk, session_key="s-7")
    assert run is not None and run.status == RunStatus.SKIPPED
    assert not Interaction.objects.for_org(shop).exists()
    assert Session.objects.for_org(shop).get(session_id="s-7").status == "processed"


def test_missing_session_is_a_no_op(shop: Any, processing_settings: Any) -> None:
    assert services.session_process(organization_id=shop.pk, session_key="nope") is None


def test_archive_uses_configured_storage(shop: Any, processing_settings: Any) -> None:
    events_insert(shop, "a/b c", ACCEPTANCE_EVENTS)
    services.session_process(organization_id=shop.pk, session_key="a/b c")
    interaction = Interaction.objects.for_org(shop).get()
    name = archive.archive_name(organization_id=shop.pk, session_key="a/b c", day=interaction.started_at.date())
    assert name.startswith(f"{shop.pk}/{interaction.started_at:%Y/%m/%d}/a_b_c-")
    assert storages["archive"].exists(name)
