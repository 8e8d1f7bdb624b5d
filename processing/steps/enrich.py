"""Enrich: the organization's context for a session, and which catalog products its events are about."""

from __future__ import annotations

import fnmatch
import re

from django.db.models import Q

from ingestion.models import Session
from organizations.models import Product
from processing.domain import ProductRef, SessionContext, TimelineEvent

# Paths that name a product by slug when the catalog does not know the page.
PRODUCT_PATH = re.compile(r"^/(?:[a-z]{2}(?:-[a-z]{2})?/)?(?:products?|p|item|items|shop/products?)/([^/?#]+)/?$", re.I)
CATALOG_CONTEXT_LIMIT = 50


def name_from_slug(slug: str) -> str:
    """`laptop-x1` → "Laptop X1": words split on - and _, each capitalised, numbers and codes kept."""
    words = [w for w in re.split(r"[-_+\s]+", slug) if w]
    return " ".join(w.upper() if (len(w) <= 3 and any(c.isdigit() for c in w)) else w.capitalize() for w in words)


def _ref(product: Product) -> ProductRef:
    return ProductRef(
        name=product.name,
        product_id=product.pk,
        external_id=product.external_id,
        category=product.category,
        price=str(product.price) if product.price is not None else None,
        url_path=product.url_path or None,
    )


def _path_suffixes(path: str) -> list[str]:
    """`/en/products/x` → [`/en/products/x`, `/products/x`]: the path and its tails of two or more
    segments, so a catalog path also matches under a locale or mount prefix (`/demo/`, `/en/`)."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[i:]) for i in range(max(len(parts) - 1, 1))] if parts else ["/"]


def _path_product(path: str, catalog: list[Product]) -> Product | None:
    normalized = path.rstrip("/") or "/"
    suffixes = _path_suffixes(normalized)
    best: tuple[int, Product] | None = None
    for product in catalog:
        pattern = (product.url_path or "").rstrip("/")
        if not pattern:
            continue
        if "*" in pattern:
            if fnmatch.fnmatchcase(normalized, pattern):
                return product
        elif pattern in suffixes and (best is None or len(pattern) > best[0]):
            best = (len(pattern), product)  # the longest (most specific) tail wins; the whole path first
    return best[1] if best else None


def session_enrich(*, session: Session, events: list[TimelineEvent], prompt_addition: str = "") -> SessionContext:
    organization_id = session.organization_id
    paths = sorted({tail for e in events if e.url_path for tail in _path_suffixes(e.url_path.rstrip("/") or "/")})
    product_ids = {str(e.props["product_id"]) for e in events if e.type == "product_view" and e.props.get("product_id")}
    product_names = {str(e.props["name"]) for e in events if e.type == "product_view" and e.props.get("name")}
    # Only the rows these events can refer to: exact paths, wildcard patterns, ids and names seen.
    catalog = list(
        Product.objects.for_org(organization_id).filter(
            Q(url_path__in=paths)
            | Q(url_path__contains="*")
            | Q(external_id__in=product_ids)
            | Q(name__in=product_names)
        )
    )
    by_external = {p.external_id: p for p in catalog}
    by_name = {p.name.lower(): p for p in catalog}

    products: dict[str, ProductRef] = {}
    event_products: dict[int, str] = {}

    def remember(ref: ProductRef, event: TimelineEvent) -> None:
        products.setdefault(ref.name.lower(), ref)
        event_products[event.index] = products[ref.name.lower()].name

    # How many product cards each page showed: several on one page are a list of impressions.
    cards_on_page: dict[int, int] = {}
    page = -1
    for event in events:
        if event.type == "page_view":
            page = event.index
        elif event.type == "product_view":
            cards_on_page[page] = cards_on_page.get(page, 0) + 1

    impressions: list[int] = []
    current: ProductRef | None = None  # the product the visitor is looking at, for clicks there
    page_product: ProductRef | None = None  # the product whose page this is (from its URL)
    page = -1
    for event in events:
        if event.type == "page_view":
            current = page_product = None
            page = event.index
            if event.url_path:
                match = _path_product(event.url_path, catalog)
                if match is not None:
                    current = _ref(match)
                else:
                    slug = PRODUCT_PATH.match(event.url_path)
                    if slug:
                        inferred = name_from_slug(slug.group(1))
                        known = by_name.get(inferred.lower())
                        current = _ref(known) if known else ProductRef(name=inferred, url_path=event.url_path)
            page_product = current
            if current is not None:
                remember(current, event)
        elif event.type == "product_view":
            pid, pname = event.props.get("product_id"), event.props.get("name")
            found = by_external.get(str(pid)) if pid else None
            found = found or (by_name.get(str(pname).lower()) if pname else None)
            viewed: ProductRef | None = None
            if found is not None:
                viewed = _ref(found)
            elif pname:
                viewed = ProductRef(name=str(pname), external_id=str(pid) if pid else None)
            elif current is None and event.url_path:
                match = _path_product(event.url_path, catalog)
                viewed = _ref(match) if match else None
            if viewed is None:
                continue
            remember(viewed, event)
            if page_product is not None:
                is_impression = viewed.name.lower() != page_product.name.lower()
            else:
                is_impression = cards_on_page.get(page, 0) > 1
            if is_impression:
                impressions.append(event.index)  # seen in passing: not what clicks on this page are about
            else:
                current = viewed
        elif event.type == "click" and current is not None:
            event_products[event.index] = current.name

    page_events = [e for e in events if e.type == "page_view"]
    pages: list[str] = []
    for e in page_events:
        if e.url_path and e.url_path not in pages:
            pages.append(e.url_path)
    started = events[0].timestamp if events else session.first_seen
    ended = events[-1].timestamp if events else session.last_seen
    catalog_names = list(
        Product.objects.for_org(organization_id).order_by("name").values_list("name", flat=True)[:CATALOG_CONTEXT_LIMIT]
    )
    return SessionContext(
        organization_id=organization_id,
        session_key=session.session_id,
        started_at=started,
        ended_at=ended,
        duration_seconds=max((ended - started).total_seconds(), 0.0),
        event_count=len(events),
        pages=pages,
        page_views=len(page_events),
        device_type=session.device_type or "",
        browser=session.browser or "",
        os=session.os or "",
        country=session.country or "",
        products=list(products.values()),
        event_products=event_products,
        catalog_names=catalog_names,
        prompt_addition=prompt_addition,
        impressions=impressions,
    )
