"""WebSocket routes. The live-metrics consumer (insights) registers here when it lands."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
