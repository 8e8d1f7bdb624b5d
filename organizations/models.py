"""Tenants and what belongs to them: members, API keys, the product catalog, the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class Organization(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    # Privacy settings.
    retention_days = models.PositiveIntegerField(default=395)
    anonymize_ip = models.BooleanField(default=True)
    respect_dnt = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        # Object permissions, granted per organization through the member's role (see roles.py).
        permissions = [
            ("view_dashboards", "View dashboards and analytics"),
            ("manage_keys", "Create, rotate and revoke API keys"),
            ("manage_members", "Invite members and change roles"),
            ("manage_catalog", "Edit the product catalog"),
            ("manage_settings", "Change privacy settings"),
            ("run_gdpr_deletion", "Delete a person's data"),
        ]

    def __str__(self) -> str:
        return self.name


class OrgQuerySet(models.QuerySet):
    """The one way to read tenant data: every tenant model's manager starts here."""

    def for_org(self, organization: Organization | int) -> OrgQuerySet:
        org_id = organization if isinstance(organization, int) else organization.pk
        return self.filter(organization_id=org_id)

    def for_user(self, user: User | AnonymousUser) -> OrgQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(organization__memberships__user=user)


OrgManager = models.Manager.from_queryset(OrgQuerySet)


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ANALYST = "analyst", "Analyst"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organization}"


class ApiKeyKind(models.TextChoices):
    PUBLISHABLE = "publishable", "Publishable (ingest)"
    SECRET = "secret", "Secret (read API)"


class ApiKey(models.Model):
    """An API key. Only an HMAC of the key is stored; `prefix` (its first 16 characters) finds it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    kind = models.CharField(max_length=16, choices=ApiKeyKind.choices)
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    allowed_domains = ArrayField(models.CharField(max_length=253), default=list, blank=True)
    rate_limit = models.PositiveIntegerField(default=1000, help_text="events per second")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when the key is rotated: it keeps working until then.
    expires_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = OrgManager()

    class Meta:
        indexes = [models.Index(fields=["organization", "kind"])]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class Product(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="products")
    external_id = models.CharField(max_length=100, help_text="SKU or the client's product id")
    name = models.CharField(max_length=300)
    url_path = models.CharField(max_length=500, blank=True, help_text="a path, or a pattern with * wildcards")
    category = models.CharField(max_length=100, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")

    objects = OrgManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="product_unique_external_id")
        ]
        indexes = [models.Index(fields=["organization", "url_path"])]

    def __str__(self) -> str:
        return self.name


class AuditLog(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_log")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)

    objects = OrgManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"
