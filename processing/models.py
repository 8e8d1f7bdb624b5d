"""What processing produces and remembers: interactions, per-run checkpoints, dead letters, per-org settings."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from ingestion.models import Session
from organizations.models import Organization, OrgManager, Product

EMBEDDING_DIMENSIONS = 384


class Intent(models.TextChoices):
    BROWSING = "browsing", "Browsing"
    RESEARCHING = "researching", "Researching"
    COMPARING = "comparing", "Comparing"
    PURCHASING = "purchasing", "Purchasing"
    PURCHASED = "purchased", "Purchased"
    SUPPORT_SEEKING = "support_seeking", "Support seeking"
    ABANDONED = "abandoned", "Abandoned"


class ProcessingSettings(models.Model):
    """Per-org knobs for interpretation. A missing row means the defaults."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="processing_settings")
    llm_prompt_addition = models.TextField(
        blank=True, help_text="appended to the LLM instructions, e.g. what your products and funnel look like"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgManager()

    class Meta:
        verbose_name_plural = "processing settings"

    def __str__(self) -> str:
        return f"processing settings for {self.organization_id}"


class Step(models.TextChoices):
    VALIDATE = "validate", "Validate"
    ENRICH = "enrich", "Enrich"
    INTERPRET = "interpret", "Interpret"
    EMBED = "embed", "Embed"
    STORE = "store", "Store"


STEP_ORDER = [Step.VALIDATE, Step.ENRICH, Step.INTERPRET, Step.EMBED, Step.STORE]


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped (too few events)"


class SessionRun(models.Model):
    """One processing run of a session at a given event count: the workflow's checkpoints.

    Each step writes its output here before the next one starts; a retried job reads the row and
    resumes after `last_step`. A session that grows gets a new run (a new event_count)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="session_runs")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="runs")
    event_count = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    last_step = models.CharField(max_length=16, choices=Step.choices, blank=True)
    # Step outputs, keyed by step name (the embedding has its own typed column).
    checkpoints = models.JSONField(default=dict, blank=True)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # How many times each step actually computed (a resumed run must not recompute finished steps).
    step_runs = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "session", "event_count"], name="session_run_unique_count")
        ]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"run of {self.session_id} at {self.event_count} events ({self.status})"

    def step_done(self, step: str) -> bool:
        if not self.last_step:
            return False
        return STEP_ORDER.index(Step(self.last_step)) >= STEP_ORDER.index(Step(step))


class Interaction(models.Model):
    """A session read as a person would tell it: what they did, what they wanted, which products."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="interactions")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="interactions")
    session_key = models.TextField(help_text="the client's session id")
    summary = models.TextField()
    intent = models.CharField(max_length=32, choices=Intent.choices)
    intent_confidence = models.FloatField()
    goals = models.JSONField(default=list, blank=True)
    behaviors = models.JSONField(default=list, blank=True)
    predicted_next_action = models.TextField(blank=True)
    key_moments = models.JSONField(default=list, blank=True)
    frustration_signals = models.JSONField(default=list, blank=True)
    products = models.ManyToManyField(Product, blank=True, related_name="interactions")
    unmatched_products = models.JSONField(default=list, blank=True, help_text="products not in the catalog")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    duration_seconds = models.FloatField(default=0)
    pages = models.JSONField(default=list, blank=True, help_text="distinct paths in visit order")
    page_views = models.PositiveIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    device_type = models.TextField(blank=True)
    browser = models.TextField(blank=True)
    os = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedder = models.CharField(max_length=100, blank=True)
    interpreter = models.CharField(max_length=32)
    fallback_reason = models.TextField(blank=True, help_text="why the LLM result was not used")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgManager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "session"], name="interaction_unique_session"),
        ]
        indexes = [
            models.Index(fields=["organization", "-started_at"]),
            models.Index(fields=["organization", "intent", "-started_at"]),
            models.Index(fields=["organization", "session_key"]),
            HnswIndex(
                name="interaction_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_key}: {self.intent}"

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.intent_confidence)


def confidence_label(value: float) -> str:
    if value >= 0.75:
        return "high"
    if value >= 0.5:
        return "medium"
    return "low"


class DeadLetter(models.Model):
    """A session job that failed every retry. Requeue it from the admin once the cause is fixed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="dead_letters")
    session_key = models.TextField()
    job_id = models.CharField(max_length=300)
    func = models.CharField(max_length=200)
    error = models.TextField()
    traceback = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    failed_step = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    requeued_at = models.DateTimeField(null=True, blank=True)

    objects = OrgManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"dead letter {self.session_key}: {self.error[:60]}"
