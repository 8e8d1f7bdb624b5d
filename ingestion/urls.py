from django.urls import path

from ingestion import api

urlpatterns = [
    path("v1/batch", api.batch, name="ingest-batch"),
    path("v1/schema.json", api.schema, name="ingest-schema"),
]
