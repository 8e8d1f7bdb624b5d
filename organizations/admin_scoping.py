"""The base for every admin page of tenant data: a non-superuser sees and edits only their orgs,
and only what their role allows there (django-guardian object permissions on the Organization)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from guardian.shortcuts import get_objects_for_user

from organizations import roles
from organizations.models import Organization


def orgs_with_perm(request: HttpRequest, perm: str) -> QuerySet[Organization]:
    return get_objects_for_user(request.user, f"organizations.{perm}", klass=Organization, accept_global_perms=False)


class OrgScopedAdmin(admin.ModelAdmin):
    """Set `org_lookup` (the path from the model to its Organization) and `change_perm`."""

    org_lookup = "organization"
    change_perm: str | None = None  # None: read-only for members
    view_perm = roles.VIEW_DASHBOARDS

    def _org_of(self, obj: Model) -> Organization:
        return obj if isinstance(obj, Organization) else obj.organization  # type: ignore[attr-defined]

    def _allowed(self, request: HttpRequest, perm: str | None, obj: Model | None) -> bool:
        if request.user.is_superuser:
            return True
        if perm is None or not request.user.is_active or not request.user.is_staff:
            return False
        if obj is None:
            return orgs_with_perm(request, perm).exists()
        return request.user.has_perm(f"organizations.{perm}", self._org_of(obj))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_lookup}__in": orgs_with_perm(request, self.view_perm)})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, self.view_perm, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, self.view_perm, obj) or self.has_change_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, self.change_perm, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, self.change_perm, None)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, self.change_perm, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Organization and not request.user.is_superuser:
            kwargs["queryset"] = orgs_with_perm(request, self.change_perm or self.view_perm)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyOrgAdmin(OrgScopedAdmin):
    """Data that only the system writes (events, audit log, quarantine): never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser
