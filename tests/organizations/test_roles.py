import pytest

from organizations.models import ApiKey, AuditLog, Role
from organizations.roles import ALL_PERMISSIONS, ROLE_PERMISSIONS

PAGES = {"home": "/o/{slug}/", "keys": "/o/{slug}/keys/", "members": "/o/{slug}/members/"}
# What each role may open: the product's promise, written out rather than derived from the code.
EXPECTED = {
    Role.OWNER: {"home", "keys", "members"},
    Role.ADMIN: {"home", "keys", "members"},
    Role.ANALYST: {"home"},
    Role.VIEWER: {"home"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_its_pages(client, org_factory, role):
    org = org_factory.create()
    client.force_login(org_factory.member(org, role))
    for page, url in PAGES.items():
        status = client.get(url.format(slug=org.slug)).status_code
        assert status == (200 if page in EXPECTED[role] else 403), (role, page, status)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_only_key_managers_can_create_keys(client, org_factory, role):
    org = org_factory.create()
    client.force_login(org_factory.member(org, role))
    response = client.post(f"/o/{org.slug}/keys/", {"kind": "publishable", "name": "site"})
    can = "keys" in EXPECTED[role]
    assert response.status_code == (200 if can else 403)
    assert ApiKey.objects.for_org(org).count() == (1 if can else 0)
    if can:  # shown once, in full, on the page that made it
        key = ApiKey.objects.for_org(org).get()
        assert f'id="issued-key">{key.prefix}' in response.content.decode()
        assert client.get(f"/o/{org.slug}/keys/").content.decode().count(key.prefix) == 1  # prefix only


def test_role_permission_matrix():
    assert ROLE_PERMISSIONS[Role.OWNER] == ALL_PERMISSIONS
    assert "run_gdpr_deletion" in ROLE_PERMISSIONS[Role.ADMIN]
    assert "manage_settings" not in ROLE_PERMISSIONS[Role.ADMIN]
    assert ROLE_PERMISSIONS[Role.ANALYST] == {"view_dashboards", "manage_catalog"}
    assert ROLE_PERMISSIONS[Role.VIEWER] == {"view_dashboards"}


@pytest.mark.django_db
def test_role_change_replaces_permissions(org_factory):
    org = org_factory.create()
    user = org_factory.member(org, Role.ADMIN)
    assert user.has_perm("organizations.manage_keys", org)
    org_factory.member(org, Role.VIEWER, user=user)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
    assert not user.has_perm("organizations.manage_keys", org)
    assert user.has_perm("organizations.view_dashboards", org)
    assert AuditLog.objects.for_org(org).filter(action="member.role_set").count() == 2


@pytest.mark.django_db
def test_admin_cannot_grant_owner_but_owner_can(client, org_factory, user_factory):
    org = org_factory.create()
    target = user_factory.create()
    client.force_login(org_factory.member(org, Role.ADMIN))
    assert client.post(f"/o/{org.slug}/members/", {"email": target.email, "role": "owner"}).status_code == 403
    client.force_login(org_factory.member(org, Role.OWNER))
    assert client.post(f"/o/{org.slug}/members/", {"email": target.email, "role": "owner"}).status_code == 302


@pytest.mark.django_db
def test_other_orgs_pages_are_404_not_403(client, org_factory):
    mine, theirs = org_factory.create(), org_factory.create()
    client.force_login(org_factory.member(mine, Role.OWNER))
    for url in PAGES.values():
        assert client.get(url.format(slug=theirs.slug)).status_code == 404


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, org_factory):
    org = org_factory.create()
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
