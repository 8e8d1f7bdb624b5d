"""The demo shop at /demo/: a small single-page shop, tracked by the SDK with the demo org's key."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crow.sdk_assets import sdk_version
from ingestion.models import Event
from organizations.demo import demo_publishable_key
from organizations.models import Organization, Product


@require_GET
def demo_shop(request: HttpRequest, path: str = "") -> HttpResponse:
    organization = Organization.objects.filter(slug="demo-shop").first()
    key = demo_publishable_key()
    if organization is None or key is None:
        raise Http404("the demo organization is not seeded: run `make up`")
    products = list(Product.objects.for_org(organization).order_by("category", "name"))
    context = {"products": products, "api_key": key, "sdk_version": sdk_version()}
    return render(request, "demo/shop.html", context)


@require_GET
def demo_events(request: HttpRequest) -> JsonResponse:
    """The demo visitor's own session, newest first: the demo org only, one session, 50 events."""
    organization = Organization.objects.filter(slug="demo-shop").first()
    session_id = request.GET.get("session", "")
    if organization is None or not session_id:
        return JsonResponse([], safe=False)
    rows = (
        Event.objects.for_org(organization)
        .filter(session_id=session_id)
        .order_by("-timestamp")
        .values("timestamp", "type", "name", "url_path", "element", "properties")[:50]
    )
    return JsonResponse([_feed_line(row) for row in rows], safe=False)


def _feed_line(row: dict[str, Any]) -> dict[str, str]:
    element = row["element"] or {}
    props = row["properties"] or {}
    detail = row["name"] or element.get("text") or element.get("name") or element.get("selector") or ""
    if row["type"] in {"product_view", "web_vital"}:
        detail = props.get("name") or props.get("product_id") or ""
        if row["type"] == "web_vital":
            detail = f"{props.get('name')} {props.get('value')}"
    return {
        "time": row["timestamp"].strftime("%H:%M:%S"),
        "type": row["type"],
        "detail": f"{detail} {row['url_path'] or ''}".strip(),
    }
