"""Writes for tenants, members and API keys. Every change to a key is written to the audit log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm, remove_perm

from organizations import key_cache
from organizations.models import ApiKey, ApiKeyKind, AuditLog, Membership, Organization, Product, Role
from organizations.roles import ALL_PERMISSIONS, ROLE_PERMISSIONS

KEY_PREFIX_LENGTH = 16
_KIND_TAG = {ApiKeyKind.PUBLISHABLE: "pk_live_", ApiKeyKind.SECRET: "sk_live_"}


@dataclass(frozen=True)
class IssuedKey:
    """A key as it is handed out: `raw` exists only here, shown once and never stored."""

    api_key: ApiKey
    raw: str


def api_key_hash(*, raw: str) -> str:
    return hmac.new(settings.CROW_KEY_PEPPER.encode(), raw.encode(), hashlib.sha256).hexdigest()


def audit_log_record(
    *,
    organization: Organization,
    actor: User | AnonymousUser | None,
    action: str,
    target: str,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        organization=organization,
        actor=actor if isinstance(actor, User) else None,
        action=action,
        target=target,
        ip=ip,
        details=details or {},
    )


@transaction.atomic
def organization_create(
    *, name: str, owner_email: str, owner_password: str | None = None
) -> tuple[Organization, str | None]:
    """Create an org and its owner. Returns the generated password when none was given."""
    slug = slugify(name)[:64]
    organization = Organization.objects.create(slug=slug, name=name)
    User = get_user_model()
    user = User.objects.filter(email__iexact=owner_email).first()
    generated = None
    if user is None:
        generated = None if owner_password else secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=owner_email, email=owner_email, password=owner_password or generated, is_staff=True
        )
    elif owner_password:
        user.set_password(owner_password)
        user.save(update_fields=["password"])
    membership_set_role(organization=organization, user=user, role=Role.OWNER, actor=None)
    return organization, generated


@transaction.atomic
def membership_set_role(
    *, organization: Organization, user: User, role: str, actor: User | AnonymousUser | None
) -> Membership:
    """Add a member or change their role, and make their object permissions match the role exactly."""
    membership, _ = Membership.objects.update_or_create(organization=organization, user=user, defaults={"role": role})
    granted = ROLE_PERMISSIONS[role]
    for perm in ALL_PERMISSIONS:
        if perm in granted:
            assign_perm(f"organizations.{perm}", user, organization)
        else:
            remove_perm(f"organizations.{perm}", user, organization)
    if not user.is_staff:  # members use the admin, scoped to their orgs
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit_log_record(
        organization=organization, actor=actor, action="member.role_set", target=str(user), details={"role": role}
    )
    return membership


@transaction.atomic
def membership_remove(*, organization: Organization, user: User, actor: User | AnonymousUser | None) -> None:
    Membership.objects.for_org(organization).filter(user=user).delete()
    for perm in ALL_PERMISSIONS:
        remove_perm(f"organizations.{perm}", user, organization)
    audit_log_record(organization=organization, actor=actor, action="member.remove", target=str(user))


def _new_raw_key(kind: str) -> str:
    return _KIND_TAG[ApiKeyKind(kind)] + secrets.token_urlsafe(32)


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    kind: str,
    actor: User | AnonymousUser | None = None,
    name: str = "",
    allowed_domains: list[str] | None = None,
    rate_limit: int | None = None,
    ip: str | None = None,
) -> IssuedKey:
    raw = _new_raw_key(kind)
    api_key = ApiKey.objects.create(
        organization=organization,
        kind=kind,
        name=name,
        prefix=raw[:KEY_PREFIX_LENGTH],
        key_hash=api_key_hash(raw=raw),
        allowed_domains=[d.strip().lower() for d in allowed_domains or [] if d.strip()],
        rate_limit=rate_limit or 1000,
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_log_record(
        organization=organization,
        actor=actor,
        action="api_key.create",
        target=api_key.prefix,
        ip=ip,
        details={"kind": kind},
    )
    return IssuedKey(api_key=api_key, raw=raw)


@transaction.atomic
def api_key_rotate(*, api_key: ApiKey, actor: User | AnonymousUser | None = None, ip: str | None = None) -> IssuedKey:
    """Issue a replacement; the old key keeps working for CROW_KEY_ROTATION_GRACE_SECONDS."""
    issued = api_key_create(
        organization=api_key.organization,
        kind=api_key.kind,
        actor=actor,
        name=api_key.name,
        allowed_domains=list(api_key.allowed_domains),
        rate_limit=api_key.rate_limit,
        ip=ip,
    )
    grace = timedelta(seconds=settings.CROW_KEY_ROTATION_GRACE_SECONDS)
    api_key.expires_at = timezone.now() + grace
    api_key.replaced_by = issued.api_key
    api_key.save(update_fields=["expires_at", "replaced_by"])
    audit_log_record(
        organization=api_key.organization,
        actor=actor,
        action="api_key.rotate",
        target=api_key.prefix,
        ip=ip,
        details={"replaced_by": issued.api_key.prefix, "expires_at": api_key.expires_at.isoformat()},
    )
    transaction.on_commit(lambda: key_cache.invalidate(api_key.prefix))
    return issued


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User | AnonymousUser | None = None, ip: str | None = None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    audit_log_record(
        organization=api_key.organization, actor=actor, action="api_key.revoke", target=api_key.prefix, ip=ip
    )
    transaction.on_commit(lambda: key_cache.invalidate(api_key.prefix))
    return api_key


@transaction.atomic
def api_key_delete(*, api_key: ApiKey, actor: User | AnonymousUser | None = None, ip: str | None = None) -> None:
    prefix, organization = api_key.prefix, api_key.organization
    api_key.delete()
    audit_log_record(organization=organization, actor=actor, action="api_key.delete", target=prefix, ip=ip)
    transaction.on_commit(lambda: key_cache.invalidate(prefix))


def product_upsert(
    *,
    organization: Organization,
    external_id: str,
    name: str,
    url_path: str = "",
    category: str = "",
    price: Any = None,
    currency: str = "USD",
) -> Product:
    product, _ = Product.objects.update_or_create(
        organization=organization,
        external_id=external_id,
        defaults={"name": name, "url_path": url_path, "category": category, "price": price, "currency": currency},
    )
    return product
