"""Reads for tenants and keys, including the cached key check on the ingest hot path."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone

from organizations import key_cache
from organizations.key_cache import CachedKey
from organizations.models import ApiKey, Membership, Organization
from organizations.services import KEY_PREFIX_LENGTH, api_key_hash

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most once a minute per key


def organizations_for_user(*, user: User | AnonymousUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(memberships__user=user)


def membership_role(*, organization: Organization, user: User | AnonymousUser) -> str | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.for_org(organization).filter(user=user).values_list("role", flat=True).first()


def _load_key(prefix: str) -> CachedKey | None:
    row = (
        ApiKey.objects.filter(prefix=prefix)
        .select_related("organization")
        .only(
            "id",
            "organization_id",
            "kind",
            "prefix",
            "key_hash",
            "allowed_domains",
            "rate_limit",
            "revoked_at",
            "expires_at",
            "last_used_at",
            "organization__anonymize_ip",
            "organization__respect_dnt",
        )
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
    return CachedKey(
        id=row.pk,
        organization_id=row.organization_id,
        kind=row.kind,
        prefix=row.prefix,
        key_hash=row.key_hash,
        allowed_domains=tuple(row.allowed_domains),
        rate_limit=row.rate_limit,
        revoked=row.revoked_at is not None,
        expires_at=row.expires_at,
        anonymize_ip=row.organization.anonymize_ip,
        respect_dnt=row.organization.respect_dnt,
    )


def api_key_authenticate(*, raw: str) -> CachedKey | None:
    """The active key matching `raw`, or None (unknown, wrong secret, revoked, or past its grace)."""
    if not raw or len(raw) < KEY_PREFIX_LENGTH + 8:
        return None
    prefix = raw[:KEY_PREFIX_LENGTH]
    hit, key = key_cache.get(prefix, settings.CROW_KEY_CACHE_SECONDS)
    if not hit:
        key = _load_key(prefix)
        key_cache.put(prefix, key)
    if key is None or not hmac.compare_digest(key.key_hash, api_key_hash(raw=raw)):
        return None
    if key.revoked or (key.expires_at is not None and key.expires_at <= timezone.now()):
        return None
    return key


def api_keys_for_org(*, organization: Organization) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_org(organization).order_by("-created_at")
