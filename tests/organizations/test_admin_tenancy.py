import pytest

from organizations.models import Role
from organizations.services import audit_log_record, product_upsert


@pytest.fixture
def two_orgs(org_factory, key_factory):
    a, b = org_factory.create("Alpha"), org_factory.create("Bravo")
    for org in (a, b):
        key_factory.create(org, name=f"{org.name}-site-key")
        product_upsert(organization=org, external_id=f"{org.name}-sku", name=f"{org.name} Gadget")
        audit_log_record(organization=org, actor=None, action="test.note", target=f"{org.name}-target")
    return a, b


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "organizations/organization",
        "organizations/apikey",
        "organizations/product",
        "organizations/membership",
        "organizations/auditlog",
    ],
)
def test_member_of_a_sees_nothing_of_b_in_admin(client, org_factory, two_orgs, path):
    a, _b = two_orgs
    client.force_login(org_factory.member(a, Role.OWNER))
    response = client.get(f"/admin/{path}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alpha" in page
    assert "Bravo" not in page


@pytest.mark.django_db
def test_admin_objects_of_another_org_are_unreachable(client, org_factory, two_orgs):
    a, b = two_orgs
    client.force_login(org_factory.member(a, Role.OWNER))
    theirs = b.products.get()
    response = client.get(f"/admin/organizations/product/{theirs.pk}/change/")
    assert response.status_code == 302  # Django admin redirects a missing object to the index
    listing = client.get("/admin/organizations/product/").content.decode()
    assert "Alpha Gadget" in listing and "Bravo Gadget" not in listing


@pytest.mark.django_db
def test_viewer_can_look_but_not_edit_in_admin(client, org_factory, two_orgs):
    a, _ = two_orgs
    client.force_login(org_factory.member(a, Role.VIEWER))
    product = a.products.get()
    assert client.get(f"/admin/organizations/product/{product.pk}/change/").status_code == 200
    response = client.post(f"/admin/organizations/product/{product.pk}/change/", {"name": "Hacked"})
    assert response.status_code == 403
    product.refresh_from_db()
    assert product.name == "Alpha Gadget"
    assert client.get("/admin/organizations/auditlog/").status_code == 403  # audit log is for admins


@pytest.mark.django_db
def test_analyst_can_edit_the_catalog_of_their_org_only(client, org_factory, two_orgs):
    a, _b = two_orgs
    client.force_login(org_factory.member(a, Role.ANALYST))
    response = client.get("/admin/organizations/product/add/")
    assert response.status_code == 200
    choices = response.context["adminform"].form.fields["organization"].queryset
    assert list(choices) == [a]


@pytest.mark.django_db
def test_removing_a_member_in_admin_takes_their_permissions_away(client, org_factory, two_orgs):
    from django.contrib.auth import get_user_model

    from organizations.models import AuditLog, Membership

    a, _ = two_orgs
    admin_user = org_factory.member(a, Role.ADMIN)
    member = org_factory.member(a, Role.ADMIN)
    client.force_login(admin_user)
    membership = Membership.objects.for_org(a).get(user=member)
    response = client.post(f"/admin/organizations/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    member = get_user_model().objects.get(pk=member.pk)  # a fresh permission cache
    assert not member.has_perm("organizations.manage_keys", a)
    assert not member.has_perm("organizations.view_dashboards", a)
    assert AuditLog.objects.for_org(a).filter(action="member.remove").count() == 1
