from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from organizations.models import ApiKey, ApiKeyKind, AuditLog
from organizations.selectors import api_key_authenticate
from organizations.services import api_key_delete, api_key_revoke, api_key_rotate


@pytest.mark.django_db
def test_no_plaintext_key_is_stored_in_any_text_column(org_factory, key_factory):
    org = org_factory.create()
    raws = [key_factory.create(org, kind).raw for kind in (ApiKeyKind.PUBLISHABLE, ApiKeyKind.SECRET)]
    raws.append(api_key_rotate(api_key=ApiKey.objects.for_org(org).earliest("pk")).raw)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')"""
        )
        columns = cursor.fetchall()
        assert len(columns) > 20  # the scan really covers the schema
        for table, column in columns:
            for raw in raws:
                secret_part = raw[16:]  # the prefix is stored on purpose; nothing after it may be
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s', [f"%{secret_part}%"])
                assert cursor.fetchone()[0] == 0, f"{table}.{column} holds a plaintext key"


@pytest.mark.django_db
def test_keys_have_their_kind_prefix_and_authenticate(org_factory, key_factory):
    org = org_factory.create()
    pk = key_factory.create(org, ApiKeyKind.PUBLISHABLE, allowed_domains=["Shop.Example"], rate_limit=50)
    sk = key_factory.create(org, ApiKeyKind.SECRET)
    assert pk.raw.startswith("pk_live_") and sk.raw.startswith("sk_live_")
    assert pk.api_key.prefix == pk.raw[:16]
    found = api_key_authenticate(raw=pk.raw)
    assert found is not None
    assert (found.organization_id, found.kind, found.allowed_domains, found.rate_limit) == (
        org.pk,
        "publishable",
        ("shop.example",),
        50,
    )
    # Right prefix, wrong secret: rejected.
    assert api_key_authenticate(raw=pk.raw[:-4] + "AAAA") is None
    assert api_key_authenticate(raw="pk_live_nonexistent-key-000000") is None


@pytest.mark.django_db
def test_revocation_by_another_process_is_seen_within_a_second(org_factory, key_factory, settings):
    org = org_factory.create()
    issued = key_factory.create(org)
    assert api_key_authenticate(raw=issued.raw) is not None  # now cached in this process
    # Another process revokes it: only the database changes, this process's cache is not told.
    ApiKey.objects.filter(pk=issued.api_key.pk).update(revoked_at=timezone.now())
    assert settings.CROW_KEY_CACHE_SECONDS < 1
    import time

    time.sleep(settings.CROW_KEY_CACHE_SECONDS + 0.05)
    assert api_key_authenticate(raw=issued.raw) is None


@pytest.mark.django_db
def test_revocation_in_this_process_is_immediate(org_factory, key_factory, django_capture_on_commit_callbacks):
    issued = key_factory.create(org_factory.create())
    assert api_key_authenticate(raw=issued.raw) is not None
    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(api_key=issued.api_key)
    assert api_key_authenticate(raw=issued.raw) is None


@pytest.mark.django_db
def test_rotated_key_works_during_grace_then_is_rejected(org_factory, key_factory, settings):
    settings.CROW_KEY_ROTATION_GRACE_SECONDS = 3600
    old = key_factory.create(org_factory.create())
    new = api_key_rotate(api_key=old.api_key)
    assert api_key_authenticate(raw=old.raw) is not None
    assert api_key_authenticate(raw=new.raw) is not None
    old.api_key.refresh_from_db()
    assert old.api_key.replaced_by_id == new.api_key.pk
    assert timedelta(minutes=59) < old.api_key.expires_at - timezone.now() <= timedelta(hours=1)
    # The grace runs out.
    ApiKey.objects.filter(pk=old.api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    from organizations import key_cache

    key_cache.invalidate()
    assert api_key_authenticate(raw=old.raw) is None
    assert api_key_authenticate(raw=new.raw) is not None


@pytest.mark.django_db
def test_every_key_change_is_audited_and_last_used_is_tracked(org_factory, key_factory, user_factory):
    org = org_factory.create()
    actor = user_factory.create()
    issued = key_factory.create(org, actor=actor)
    rotated = api_key_rotate(api_key=issued.api_key, actor=actor)
    api_key_revoke(api_key=rotated.api_key, actor=actor)
    api_key_delete(api_key=issued.api_key, actor=actor)
    actions = list(AuditLog.objects.for_org(org).order_by("created_at", "pk").values_list("action", flat=True))
    assert actions == ["api_key.create", "api_key.create", "api_key.rotate", "api_key.revoke", "api_key.delete"]
    assert all(entry.actor == actor for entry in AuditLog.objects.for_org(org))

    fresh = key_factory.create(org)
    assert fresh.api_key.last_used_at is None
    api_key_authenticate(raw=fresh.raw)
    fresh.api_key.refresh_from_db()
    assert fresh.api_key.last_used_at is not None
