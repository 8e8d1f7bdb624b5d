"""POST /v1/batch and GET /v1/schema.json.

Plain Django views rather than DRF: the ingest request is the hot path (STYLE.md), and a DRF
APIView's content negotiation, parsers and authentication classes cost more than the whole COPY of a
50-event batch. crow/wsgi.py routes /v1/ past the middleware stack for the same reason. All logic is
in ingestion.services; these functions only translate HTTP in and out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import orjson
from django.http import HttpRequest, HttpResponse

from ingestion import enrich, wire
from ingestion.services import IngestRequest, batch_request_handle

_PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Content-Encoding, X-Crow-Key",
    "Access-Control-Max-Age": "86400",
    "Vary": "Origin",
}
_MAX_READ = 1024 * 1024 + 1


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> HttpResponse:
    content = orjson.dumps(body)
    response = HttpResponse(content, status=status, content_type="application/json")
    response["Content-Length"] = str(len(content))  # no CommonMiddleware on /v1/ to set it; avoids chunking
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def batch(request: HttpRequest) -> HttpResponse:
    meta = request.META
    if request.method == "OPTIONS":
        # The preflight carries no key, so it cannot be checked against the key's domains here:
        # it is answered for any origin and the POST itself gets the Origin check.
        response = HttpResponse(status=204)
        response["Content-Length"] = "0"
        origin = meta.get("HTTP_ORIGIN", "")
        if origin:
            response["Access-Control-Allow-Origin"] = origin
        for name, value in _PREFLIGHT_HEADERS.items():
            response[name] = value
        return response
    if request.method != "POST":
        return _json(405, {"error": "method_not_allowed", "detail": "use POST"}, {"Allow": "POST, OPTIONS"})
    from django.conf import settings

    body = request.read(settings.CROW_INGEST_MAX_BODY_BYTES + 1)
    result = batch_request_handle(
        IngestRequest(
            body=body,
            content_type=meta.get("CONTENT_TYPE", ""),
            content_encoding=meta.get("HTTP_CONTENT_ENCODING", ""),
            authorization=meta.get("HTTP_AUTHORIZATION", ""),
            header_key=meta.get("HTTP_X_CROW_KEY", ""),
            origin=meta.get("HTTP_ORIGIN", ""),
            referer=meta.get("HTTP_REFERER", ""),
            ip=enrich.client_ip(meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", "")),
            user_agent=meta.get("HTTP_USER_AGENT", ""),
            received_at=datetime.now(UTC),
            do_not_track=meta.get("HTTP_DNT") == "1" or meta.get("HTTP_SEC_GPC") == "1",
        )
    )
    return _json(result.status, result.body, result.headers)


@cache
def _schema_bytes() -> bytes:
    return orjson.dumps(wire.json_schema(), option=orjson.OPT_INDENT_2)


def schema(request: HttpRequest) -> HttpResponse:
    content = _schema_bytes()
    response = HttpResponse(content, content_type="application/schema+json")
    response["Content-Length"] = str(len(content))
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=3600"
    return response
