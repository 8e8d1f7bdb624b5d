"""What ingest stores: events (a time-partitioned table written with COPY), sessions, quarantine, usage."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from organizations.models import ApiKey, Organization, OrgManager


class Event(models.Model):
    """One tracked event. The table is created by migration 0001 as a partitioned table
    (RANGE on `timestamp`, monthly partitions plus a default one); its primary key is
    (organization_id, timestamp, event_id) because a partitioned table's keys must include the
    partition column. Dedupe on (organization, event_id) is kept by EventKey. Rows are written with
    COPY by the ingest service, never through this model; it exists for reads."""

    event_id = models.UUIDField(primary_key=True)  # unique per org through EventKey
    organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING, db_constraint=False)
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField()
    type = models.CharField(max_length=32)
    name = models.TextField(null=True)
    session_id = models.TextField(null=True)
    anonymous_id = models.TextField(null=True)
    user_id = models.TextField(null=True)
    url_host = models.TextField(null=True)
    url_path = models.TextField(null=True)
    url_query = models.TextField(null=True)
    title = models.TextField(null=True)
    referrer = models.TextField(null=True)
    element = models.JSONField(null=True)
    x = models.FloatField(null=True)
    y = models.FloatField(null=True)
    properties = models.JSONField(null=True)
    device_type = models.TextField(null=True)
    browser = models.TextField(null=True)
    os = models.TextField(null=True)
    country = models.CharField(max_length=2, null=True)
    ip = models.TextField(null=True)  # anonymized per the org's setting before it is stored
    api_key_id = models.BigIntegerField(null=True)

    objects = OrgManager()

    class Meta:
        managed = False
        db_table = "ingestion_event"
        ordering = ["timestamp"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class EventKey(models.Model):
    """Idempotency: (organization, event_id) of every stored event, so a resent batch stores nothing twice."""

    organization_id = models.BigIntegerField()
    event_id = models.UUIDField()
    timestamp = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "ingestion_eventkey"

    def __str__(self) -> str:
        return str(self.event_id)


class SessionStatus(models.TextChoices):
    OPEN = "open", "Open"
    QUEUED = "queued", "Queued for processing"
    PROCESSED = "processed", "Processed"


class Session(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sessions")
    session_id = models.TextField()
    anonymous_id = models.TextField(null=True, blank=True)
    user_id = models.TextField(null=True, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    event_count = models.PositiveIntegerField(default=0)
    page_views = models.PositiveIntegerField(default=0)
    entry_path = models.TextField(null=True, blank=True)
    exit_path = models.TextField(null=True, blank=True)
    device_type = models.TextField(null=True, blank=True)
    browser = models.TextField(null=True, blank=True)
    os = models.TextField(null=True, blank=True)
    country = models.CharField(max_length=2, null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # a session_end event arrived
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # The event count the last processing run saw; a session that grows past it is processed again.
    processed_event_count = models.PositiveIntegerField(default=0)

    objects = OrgManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "session_id"], name="session_unique_per_org"),
        ]
        indexes = [
            models.Index(fields=["organization", "-last_seen"]),
            models.Index(fields=["status", "last_seen"], name="session_idle_sweep"),
        ]

    def __str__(self) -> str:
        return self.session_id


class QuarantinedEvent(models.Model):
    """An event rejected at ingest, kept with its reasons so the org can see what its integration sends wrong."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="quarantine")
    received_at = models.DateTimeField(default=timezone.now)
    api_key_prefix = models.CharField(max_length=16, blank=True)
    batch_index = models.PositiveIntegerField()
    event_id = models.TextField(null=True, blank=True)
    errors = models.JSONField(default=list)
    payload = models.JSONField(null=True)

    objects = OrgManager()

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["organization", "-received_at"])]

    def __str__(self) -> str:
        return f"rejected #{self.batch_index} at {self.received_at:%Y-%m-%d %H:%M}"


class KeyUsage(models.Model):
    """Per key, per minute: accepted, rejected and rate-limited events (flushed from Redis counters)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="key_usage")
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    minute = models.DateTimeField()
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rate_limited = models.PositiveIntegerField(default=0)

    objects = OrgManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "minute"], name="key_usage_unique_minute")]
        indexes = [models.Index(fields=["organization", "minute"])]

    def __str__(self) -> str:
        return f"{self.api_key_id} @ {self.minute:%H:%M}"
