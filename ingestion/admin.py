from django.contrib import admin

from ingestion.models import Event, KeyUsage, QuarantinedEvent, Session
from organizations.admin_scoping import ReadOnlyOrgAdmin


@admin.register(Session)
class SessionAdmin(ReadOnlyOrgAdmin):
    list_display = ["session_id", "organization", "first_seen", "last_seen", "event_count", "status", "country"]
    list_filter = ["status", "device_type"]
    search_fields = ["session_id", "user_id", "anonymous_id"]


@admin.register(Event)
class EventAdmin(ReadOnlyOrgAdmin):
    list_display = ["timestamp", "organization", "type", "name", "session_id", "url_path"]
    list_filter = ["type"]
    search_fields = ["session_id"]
    show_full_result_count = False  # counting a large partitioned table on every page is slow


@admin.register(QuarantinedEvent)
class QuarantinedEventAdmin(ReadOnlyOrgAdmin):
    list_display = ["received_at", "organization", "api_key_prefix", "batch_index", "event_id", "errors"]


@admin.register(KeyUsage)
class KeyUsageAdmin(ReadOnlyOrgAdmin):
    list_display = ["minute", "organization", "api_key", "accepted", "rejected", "rate_limited"]
