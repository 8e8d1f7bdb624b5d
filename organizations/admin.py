from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from organizations import roles
from organizations.admin_scoping import OrgScopedAdmin, ReadOnlyOrgAdmin
from organizations.models import ApiKey, AuditLog, Membership, Organization, Product
from organizations.services import api_key_revoke, api_key_rotate, membership_remove, membership_set_role


@admin.register(Organization)
class OrganizationAdmin(OrgScopedAdmin):
    org_lookup = "pk"
    change_perm = roles.MANAGE_SETTINGS
    list_display = ["name", "slug", "retention_days", "anonymize_ip", "respect_dnt"]
    search_fields = ["name", "slug"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser  # new tenants come from `createorg` or a superuser

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(OrgScopedAdmin):
    change_perm = roles.MANAGE_MEMBERS
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]

    # Through the services, so the member's object permissions follow the role, and go with the membership.
    def save_model(self, request: HttpRequest, obj: Membership, form: object, change: bool) -> None:
        membership_set_role(organization=obj.organization, user=obj.user, role=obj.role, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_remove(organization=obj.organization, user=obj.user, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("organization", "user"):
            self.delete_model(request, membership)


@admin.register(ApiKey)
class ApiKeyAdmin(OrgScopedAdmin):
    change_perm = roles.MANAGE_KEYS
    list_display = ["prefix", "organization", "kind", "name", "rate_limit", "last_used_at", "revoked_at", "expires_at"]
    list_filter = ["kind"]
    readonly_fields = [
        "prefix",
        "kind",
        "organization",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "expires_at",
        "replaced_by",
    ]
    exclude = ["key_hash"]
    actions = ["revoke", "rotate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued on the org's key page, where the secret can be shown once

    @admin.action(description="Revoke selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            api_key_revoke(api_key=key, actor=request.user)
        self.message_user(request, f"Revoked {len(queryset)} key(s).")

    @admin.action(description="Rotate selected keys (the new key is shown once)")
    def rotate(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            issued = api_key_rotate(api_key=key, actor=request.user)
            self.message_user(request, f"New key for {key.prefix}…: {issued.raw}", level=messages.WARNING)


@admin.register(Product)
class ProductAdmin(OrgScopedAdmin):
    change_perm = roles.MANAGE_CATALOG
    list_display = ["name", "organization", "external_id", "url_path", "category", "price", "currency"]
    search_fields = ["name", "external_id"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyOrgAdmin):
    view_perm = roles.MANAGE_MEMBERS  # who did what is for the org's admins
    list_display = ["created_at", "organization", "actor", "action", "target", "ip"]
    list_filter = ["action"]
