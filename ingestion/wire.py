"""Wire format v1 of POST /v1/batch: msgspec Structs (the validation) and the published JSON Schema.

The batch envelope is decoded once with each event left as raw JSON, then every event is decoded on
its own, so one bad event is rejected with its reasons while the others of the batch still land.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, get_args

import msgspec

EventType = Literal[
    "page_view",
    "click",
    "form_submit",
    "form_focus",
    "form_blur",
    "form_error",
    "product_view",
    "scroll",
    "performance",
    "web_vital",
    "custom",
    "identify",
    "session_end",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

Id = Annotated[str, msgspec.Meta(max_length=200, description="an opaque identifier, at most 200 characters")]
# ISO-8601 (with or without offset; without is UTC) or epoch milliseconds.
Timestamp = Annotated[str | int | float, msgspec.Meta(description="ISO-8601, or epoch milliseconds")]


class Element(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=False):
    """The element an event happened on, as the SDK describes it."""

    selector: str | None = None
    tag: str | None = None
    id: str | None = None
    classes: list[str] | str | None = None
    text: str | None = None
    href: str | None = None
    role: str | None = None
    name: str | None = None
    attributes: dict[str, str | int | float | bool | None] | None = None


class WireEvent(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=False):
    type: EventType
    event_id: uuid.UUID | None = None
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    timestamp: Timestamp | None = None
    session_id: Id | None = None
    anonymous_id: Id | None = None
    user_id: Id | int | None = None
    url: str | None = None
    title: str | None = None
    referrer: str | None = None
    element: str | Element | None = None
    x: float | None = None
    y: float | None = None
    properties: dict[str, Any] | None = None


class Context(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=False):
    """Fields shared by every event of the batch that does not set them itself."""

    session_id: Id | None = None
    anonymous_id: Id | None = None
    user_id: Id | int | None = None
    url: str | None = None
    title: str | None = None
    referrer: str | None = None
    properties: dict[str, Any] | None = None
    # A server forwarding events on behalf of a browser passes the browser's user agent and IP here.
    user_agent: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    ip: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class Batch(msgspec.Struct, forbid_unknown_fields=False):
    events: list[msgspec.Raw]
    api_key: str | None = None
    sent_at: Timestamp | None = None
    context: Context | None = None


class BatchSchema(msgspec.Struct, forbid_unknown_fields=False):
    """Only for the published schema: Batch with its events typed (Batch keeps them raw)."""

    events: Annotated[list[WireEvent], msgspec.Meta(max_length=500)]
    api_key: str | None = None
    sent_at: Timestamp | None = None
    context: Context | None = None


batch_decoder = msgspec.json.Decoder(Batch)
event_decoder = msgspec.json.Decoder(WireEvent)


def json_schema() -> dict[str, Any]:
    schema: dict[str, Any] = msgspec.json.schema(BatchSchema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "/v1/schema.json"
    schema["title"] = "CROW ingest batch, wire format v1"
    schema["description"] = (
        "POST /v1/batch. A `custom` event also needs `name`. Unknown fields are ignored. See docs/ingest.md."
    )
    return schema
