"""WSGI entry point: all HTTP is served by granian's WSGI workers (see docs/SCALING.md for why)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crow.settings")
application = get_wsgi_application()
