from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from organizations.models import ApiKey, Membership, Organization, Role
from organizations.selectors import api_key_authenticate


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_createorg_makes_owner_and_prints_generated_password(client):
    lines = run("createorg", "Acme Widgets", "--owner", "boss@acme.test")
    org = Organization.objects.get(slug="acme-widgets")
    assert Membership.objects.for_org(org).get().role == Role.OWNER
    password = next(line.split(": ", 1)[1] for line in lines if line.startswith("Password: "))
    assert client.login(username="boss@acme.test", password=password)
    with pytest.raises(CommandError, match="already exists"):
        run("createorg", "Acme Widgets", "--owner", "other@acme.test")


@pytest.mark.django_db
def test_createorg_with_password_prints_none():
    lines = run("createorg", "Quiet Co", "--owner", "q@quiet.test", "--password", "a-long-password-1")
    assert not any(line.startswith("Password") for line in lines)


@pytest.mark.django_db
def test_apikey_create_list_rotate_revoke(org_factory):
    org = org_factory.create()
    raw = run(
        "apikey",
        "create",
        "--org",
        org.slug,
        "--kind",
        "publishable",
        "--domain",
        "shop.test",
        "--domain",
        "www.shop.test",
        "--rate",
        "25",
    )[-1]
    assert raw.startswith("pk_live_")
    key = api_key_authenticate(raw=raw)
    assert key is not None
    assert key.allowed_domains == ("shop.test", "www.shop.test") and key.rate_limit == 25

    listing = run("apikey", "list", "--org", org.slug)
    assert len(listing) == 1 and listing[0].startswith(raw[:16]) and raw not in listing[0]

    new_raw = run("apikey", "rotate", raw[:16])[-1]
    assert new_raw.startswith("pk_live_") and new_raw != raw
    assert api_key_authenticate(raw=new_raw) is not None

    run("apikey", "revoke", new_raw[:16])
    assert ApiKey.objects.get(prefix=new_raw[:16]).revoked_at is not None
    secret = run("apikey", "create", "--org", org.slug, "--kind", "secret")[-1]
    assert secret.startswith("sk_live_")


@pytest.mark.django_db
def test_apikey_errors_are_clear():
    with pytest.raises(CommandError, match="no organization"):
        run("apikey", "create", "--org", "nope", "--kind", "secret")
    with pytest.raises(CommandError, match="no key with prefix"):
        run("apikey", "revoke", "pk_live_zzzzzzzz")
