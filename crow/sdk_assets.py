"""Serve the built SDK: `/sdk/crow.js` (cached for an hour) and `/sdk/<version>/crow.js` (immutable).

The file is read once per process; an ETag lets browsers revalidate the unversioned URL cheaply.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

SDK_DIR = settings.BASE_DIR / "sdk"


@lru_cache(maxsize=1)
def sdk_version() -> str:
    return str(json.loads((SDK_DIR / "package.json").read_text())["version"])


@lru_cache(maxsize=1)
def _bundle() -> tuple[bytes, str]:
    path = SDK_DIR / "dist" / "crow.js"
    if not path.exists():
        raise Http404("the SDK is not built: run `make sdk`")
    body = path.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@require_GET
def sdk_script(request: HttpRequest, version: str | None = None) -> HttpResponse:
    if version is not None and version != sdk_version():
        raise Http404(f"SDK version {version} is not served here; current is {sdk_version()}")
    body, etag = _bundle()
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=31536000, immutable" if version else "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"  # a script any site may load
    response["X-Crow-Sdk-Version"] = sdk_version()
    return response
