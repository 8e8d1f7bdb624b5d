"""Factories: small functions over the real services, so test data is made the way users make it."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from organizations.models import ApiKeyKind, Organization, Role
from organizations.services import IssuedKey, api_key_create, membership_set_role, product_upsert

_seq = itertools.count(1)


class UserFactory:
    @staticmethod
    def create(email: str | None = None, password: str = "pw-for-tests-1", **extra: Any) -> User:
        email = email or f"user{next(_seq)}@example.com"
        return get_user_model().objects.create_user(username=email, email=email, password=password, **extra)


class OrgFactory:
    @staticmethod
    def create(name: str | None = None, **fields: Any) -> Organization:
        n = next(_seq)
        name = name or f"Org {n}"
        return Organization.objects.create(slug=f"{name.lower().replace(' ', '-')}-{n}", name=name, **fields)

    @staticmethod
    def member(organization: Organization, role: str = Role.VIEWER, user: User | None = None) -> User:
        user = user or UserFactory.create()
        membership_set_role(organization=organization, user=user, role=role, actor=None)
        return user

    @staticmethod
    def with_catalog(organization: Organization) -> Organization:
        product_upsert(
            organization=organization,
            external_id="laptop-x1",
            name="Laptop X1",
            url_path="/products/laptop-x1",
            category="Laptops",
            price="1299.00",
        )
        product_upsert(
            organization=organization,
            external_id="phone-z5",
            name="Phone Z5",
            url_path="/products/phone-z5",
            category="Phones",
            price="799.00",
        )
        return organization


class KeyFactory:
    @staticmethod
    def create(organization: Organization, kind: str = ApiKeyKind.PUBLISHABLE, **options: Any) -> IssuedKey:
        return api_key_create(organization=organization, kind=kind, **options)


def ingest_events(key: Any, events: list[dict[str, Any]], context: dict[str, Any] | None = None, **options: Any) -> Any:
    """Store `events` through the real ingest service; `key` is a raw key, an IssuedKey or a CachedKey.
    Returns the BatchResult. Extra options (ip, user_agent, received_at) go to the service."""
    import orjson

    from ingestion.services import event_batch_ingest
    from organizations.key_cache import CachedKey
    from organizations.selectors import api_key_authenticate

    if isinstance(key, IssuedKey):
        key = key.raw
    cached = key if isinstance(key, CachedKey) else api_key_authenticate(raw=key)
    if cached is None:
        raise ValueError("not an active key")
    body: dict[str, Any] = {"events": events}
    if context is not None:
        body["context"] = context
    return event_batch_ingest(key=cached, batch=orjson.dumps(body), **options)


# --- processing (test helpers) ---------------------------------------------------------------


def events_insert(organization: Organization, session_id: str, events: list[dict[str, Any]]) -> list[str]:
    """TEST HELPER for processing-only tests: write events straight into ingestion_event (and its
    dedupe keys) with plain SQL, and upsert the Session row, as the ingest service would. Each dict
    holds event columns (type, name, url_path, element, properties …); `t` is seconds after
    `start` (a datetime, default: an hour ago). Returns the event ids."""
    import json
    import uuid
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from ingestion.models import Session

    columns = [
        "type",
        "name",
        "url_path",
        "url_query",
        "title",
        "referrer",
        "element",
        "x",
        "y",
        "properties",
        "device_type",
        "browser",
        "os",
        "country",
    ]
    ids = []
    stamps = []
    default_start = timezone.now() - timedelta(hours=1)
    with connection.cursor() as cursor:
        for i, event in enumerate(events):
            event = dict(event)
            start = event.pop("start", None) or default_start
            stamp = start + timedelta(seconds=float(event.pop("t", i * 5)))
            event_id = str(event.pop("event_id", None) or uuid.uuid4())
            element = event.get("element")
            if isinstance(element, str):
                event["element"] = {"name": element}
            values = [event.get(c) for c in columns]
            for j, c in enumerate(columns):
                if c in ("element", "properties") and values[j] is not None:
                    values[j] = json.dumps(values[j])
            cursor.execute(
                f"INSERT INTO ingestion_event (organization_id, event_id, timestamp, received_at, session_id, "
                f"{', '.join(columns)}) VALUES (%s, %s, %s, %s, %s, {', '.join(['%s'] * len(columns))})",
                [organization.pk, event_id, stamp, stamp, session_id, *values],
            )
            cursor.execute(
                "INSERT INTO ingestion_eventkey (organization_id, event_id, timestamp) VALUES (%s, %s, %s)",
                [organization.pk, event_id, stamp],
            )
            ids.append(event_id)
            stamps.append((stamp, event))
    first, last = min(s for s, _ in stamps), max(s for s, _ in stamps)
    session, _ = Session.objects.get_or_create(
        organization=organization, session_id=session_id, defaults={"first_seen": first, "last_seen": last}
    )
    session.first_seen = min(session.first_seen, first)
    session.last_seen = max(session.last_seen, last)
    session.event_count += len(events)
    session.page_views += sum(1 for _, e in stamps if e.get("type") == "page_view")
    session.device_type = next((e["device_type"] for _, e in stamps if e.get("device_type")), session.device_type)
    session.country = next((e["country"] for _, e in stamps if e.get("country")), session.country)
    if any(e.get("type") == "session_end" for _, e in stamps):
        session.ended_at = last
    session.save()
    return ids
