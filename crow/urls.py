from django.contrib import admin
from django.urls import include, path

from crow.demo import demo_events, demo_shop
from crow.health import healthz
from crow.sdk_assets import sdk_script

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("ingestion.urls")),
    path("sdk/crow.js", sdk_script, name="sdk-script"),
    path("sdk/<str:version>/crow.js", sdk_script, name="sdk-script-versioned"),
    path("demo/", demo_shop, name="demo-shop"),
    path("demo/events", demo_events, name="demo-events"),
    path("demo/<path:path>", demo_shop),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("organizations.urls")),
]
