from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from organizations import roles
from organizations.admin_scoping import OrgScopedAdmin, ReadOnlyOrgAdmin
from processing.models import DeadLetter, Interaction, ProcessingSettings, SessionRun
from processing.services import dead_letter_requeue


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyOrgAdmin):
    list_display = [
        "session_key",
        "organization",
        "intent",
        "intent_confidence",
        "interpreter",
        "version",
        "started_at",
    ]
    list_filter = ["intent", "interpreter"]
    search_fields = ["session_key", "summary"]
    exclude = ["embedding"]
    readonly_fields = ["summary"]


@admin.register(SessionRun)
class SessionRunAdmin(ReadOnlyOrgAdmin):
    list_display = ["session", "organization", "event_count", "status", "last_step", "attempts", "updated_at"]
    list_filter = ["status", "last_step"]
    exclude = ["embedding"]


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyOrgAdmin):
    list_display = ["created_at", "organization", "session_key", "failed_step", "error", "attempts", "requeued_at"]
    list_filter = ["failed_step"]
    search_fields = ["session_key", "error"]
    actions = ["requeue"]

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        # Requeueing changes nothing but the queue; members who may change settings may do it.
        return self._allowed(request, roles.MANAGE_SETTINGS, None)

    @admin.action(description="Requeue the selected sessions", permissions=["requeue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        count = 0
        for dead_letter in queryset:
            allowed = request.user.is_superuser or request.user.has_perm(
                f"organizations.{roles.MANAGE_SETTINGS}", dead_letter.organization
            )
            if allowed and dead_letter_requeue(dead_letter=dead_letter):
                count += 1
        level = messages.SUCCESS if count == len(queryset) else messages.WARNING
        self.message_user(request, f"Requeued {count} of {len(queryset)} session(s).", level)


@admin.register(ProcessingSettings)
class ProcessingSettingsAdmin(OrgScopedAdmin):
    list_display = ["organization", "updated_at"]
    change_perm = roles.MANAGE_SETTINGS
