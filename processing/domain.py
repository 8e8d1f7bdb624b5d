"""The data that travels between the workflow's steps: a session's timeline, its context, its reading.

Everything here is a frozen dataclass that turns into JSON and back, because each step's output is
checkpointed in Postgres (SessionRun.checkpoints) and read again by a resumed run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEvent:
    index: int
    event_id: str
    type: str
    timestamp: datetime
    name: str | None = None
    url_path: str | None = None
    url_query: str | None = None
    title: str | None = None
    referrer: str | None = None
    element: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None

    @property
    def props(self) -> dict[str, Any]:
        return self.properties or {}

    @property
    def element_words(self) -> str:
        """Everything that names the element, lower-cased, for keyword matching."""
        el = self.element or {}
        parts: list[str] = []
        for key in ("name", "id", "text", "selector", "role", "href"):
            value = el.get(key)
            if isinstance(value, str):
                parts.append(value)
        classes = el.get("classes")
        if isinstance(classes, list):
            parts.extend(str(c) for c in classes)
        attributes = el.get("attributes")
        if isinstance(attributes, dict):
            parts.extend(str(v) for v in attributes.values())
        return " ".join(parts).lower()

    @property
    def element_label(self) -> str:
        el = self.element or {}
        for key in ("text", "name", "id", "selector"):
            value = el.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:60]
        return "an element"


@dataclass(frozen=True)
class ProductRef:
    """A product the session touched: a catalog row (product_id set) or a name inferred from the session."""

    name: str
    product_id: int | None = None
    external_id: str | None = None
    category: str = ""
    price: str | None = None
    url_path: str | None = None


@dataclass(frozen=True)
class SessionContext:
    """The enrich step's output: who, where, when, and which catalog products the events refer to."""

    organization_id: int
    session_key: str
    started_at: datetime
    ended_at: datetime
    duration_seconds: float
    event_count: int
    pages: list[str]
    page_views: int
    device_type: str
    browser: str
    os: str
    country: str
    products: list[ProductRef]
    # Event index → name of the product that event is about.
    event_products: dict[int, str]
    catalog_names: list[str]
    prompt_addition: str = ""
    # product_view events that were impressions (a card among others on a list page, or another
    # product's card on a product page), not a look at that product's own page.
    impressions: list[int] = field(default_factory=list)

    def product(self, name: str) -> ProductRef | None:
        lowered = name.strip().lower()
        return next((p for p in self.products if p.name.lower() == lowered), None)


@dataclass(frozen=True)
class KeyMoment:
    time: str  # ISO 8601
    offset_seconds: float
    text: str
    event_indexes: list[int]
    event_ids: list[str]


@dataclass(frozen=True)
class FrustrationSignal:
    kind: str  # rage_click, dead_click, form_error, form_abandoned, slow_page, poor_vital
    text: str
    event_indexes: list[int]


@dataclass(frozen=True)
class Interpretation:
    """One structured reading of a session, whichever interpreter produced it."""

    summary: str
    intent: str
    intent_confidence: float
    goals: list[str]
    behaviors: list[str]
    predicted_next_action: str
    products: list[str]
    key_moments: list[KeyMoment]
    frustration_signals: list[FrustrationSignal]
    interpreter: str = "rules"
    fallback_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Interpretation:
        return cls(
            **{
                **data,
                "key_moments": [KeyMoment(**m) for m in data.get("key_moments", [])],
                "frustration_signals": [FrustrationSignal(**s) for s in data.get("frustration_signals", [])],
            }
        )


def context_to_json(context: SessionContext) -> dict[str, Any]:
    data = asdict(context)
    data["started_at"] = context.started_at.isoformat()
    data["ended_at"] = context.ended_at.isoformat()
    data["event_products"] = {str(k): v for k, v in context.event_products.items()}
    return data


def context_from_json(data: dict[str, Any]) -> SessionContext:
    return SessionContext(
        **{
            **data,
            "started_at": datetime.fromisoformat(data["started_at"]),
            "ended_at": datetime.fromisoformat(data["ended_at"]),
            "products": [ProductRef(**p) for p in data["products"]],
            "event_products": {int(k): v for k, v in data["event_products"].items()},
        }
    )
