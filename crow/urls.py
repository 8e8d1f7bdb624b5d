from django.contrib import admin
from django.urls import include, path

from crow.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("ingestion.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("organizations.urls")),
]
