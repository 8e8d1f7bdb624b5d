"""WSGI entry point: all HTTP is served by granian's WSGI workers (see docs/SCALING.md for why).

/v1/ (the ingest API) is dispatched to a second Django handler that runs no middleware: sessions,
CSRF, auth and messages do nothing for a key-authenticated JSON endpoint, and the default stack
nearly halved the throughput of a trivial view on this machine. Same settings, same URLconf, same
views; only the middleware chain differs.
"""

import os
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crow.settings")


class BareHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        self._middleware_chain = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]


django_application = get_wsgi_application()
api_application = BareHandler()


def application(environ, start_response):  # type: ignore[no-untyped-def]
    if environ.get("PATH_INFO", "").startswith("/v1/"):
        return api_application(environ, start_response)
    return django_application(environ, start_response)
