"""Resolve the organization of a `/o/<slug>/` page once, from the member's own memberships."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from organizations.selectors import organizations_for_user

View = Callable[..., HttpResponse]


def org_permission_required(perm: str) -> Callable[[View], View]:
    """Pass `organization` to the view. Not a member: 404 (same as missing). Member without `perm`: 403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            organization = get_object_or_404(organizations_for_user(user=request.user), slug=slug)
            if not request.user.has_perm(f"organizations.{perm}", organization):
                raise PermissionDenied(f"your role does not allow {perm}")
            return view(request, *args, organization=organization, **kwargs)

        return wrapper

    return decorator


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")
