"""Organization pages: the org home, API keys and members. Each checks the member's role."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from organizations import roles
from organizations.access import client_ip, org_permission_required
from organizations.models import ApiKeyKind, Membership, Organization, Role
from organizations.selectors import api_keys_for_org, membership_role, organizations_for_user
from organizations.services import api_key_create, api_key_revoke, api_key_rotate, membership_set_role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    orgs = list(organizations_for_user(user=request.user))
    if len(orgs) == 1:
        return redirect("org-home", slug=orgs[0].slug)
    return render(request, "organizations/choose.html", {"organizations": orgs})


@org_permission_required(roles.VIEW_DASHBOARDS)
def org_home(request: HttpRequest, *, organization: Organization) -> HttpResponse:
    role = membership_role(organization=organization, user=request.user)
    can = {perm: request.user.has_perm(f"organizations.{perm}", organization) for perm in roles.ALL_PERMISSIONS}
    return render(request, "organizations/home.html", {"organization": organization, "role": role, "can": can})


@require_http_methods(["GET", "POST"])
@org_permission_required(roles.MANAGE_KEYS)
def api_keys(request: HttpRequest, *, organization: Organization) -> HttpResponse:
    issued = None
    if request.method == "POST":
        kind = request.POST.get("kind", ApiKeyKind.PUBLISHABLE)
        if kind not in ApiKeyKind.values:
            return HttpResponse("kind must be publishable or secret", status=400)
        domains = [d for d in request.POST.get("domains", "").replace(",", " ").split() if d]
        issued = api_key_create(
            organization=organization,
            kind=kind,
            actor=request.user,
            name=request.POST.get("name", ""),
            allowed_domains=domains,
            ip=client_ip(request),
        )
    context = {"organization": organization, "keys": api_keys_for_org(organization=organization), "issued": issued}
    return render(request, "organizations/api_keys.html", context)


@require_POST
@org_permission_required(roles.MANAGE_KEYS)
def api_key_action(request: HttpRequest, key_id: int, action: str, *, organization: Organization) -> HttpResponse:
    if action not in {"revoke", "rotate"}:
        raise Http404("unknown action")
    api_key = get_object_or_404(api_keys_for_org(organization=organization), pk=key_id)
    if action == "revoke":
        api_key_revoke(api_key=api_key, actor=request.user, ip=client_ip(request))
        return redirect("org-api-keys", slug=organization.slug)
    issued = api_key_rotate(api_key=api_key, actor=request.user, ip=client_ip(request))
    context = {"organization": organization, "keys": api_keys_for_org(organization=organization), "issued": issued}
    return render(request, "organizations/api_keys.html", context)


@require_http_methods(["GET", "POST"])
@org_permission_required(roles.MANAGE_MEMBERS)
def members(request: HttpRequest, *, organization: Organization) -> HttpResponse:
    if request.method == "POST":
        role = request.POST.get("role", "")
        if role not in Role.values:
            return HttpResponse("unknown role", status=400)
        # Only an owner may make or unmake owners.
        if role == Role.OWNER and membership_role(organization=organization, user=request.user) != Role.OWNER:
            return HttpResponse("only an owner can grant the owner role", status=403)
        user = get_object_or_404(get_user_model(), email__iexact=request.POST.get("email", ""))
        membership_set_role(organization=organization, user=user, role=role, actor=request.user)
        return redirect("org-members", slug=organization.slug)
    memberships = Membership.objects.for_org(organization).select_related("user").order_by("user__email")
    return render(request, "organizations/members.html", {"organization": organization, "memberships": memberships})
