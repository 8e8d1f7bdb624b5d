"""The OpenAI embeddings API (or any compatible endpoint), asked for the same 384 dimensions as the local model."""

from __future__ import annotations

from django.conf import settings
from openai import OpenAI

from processing.models import EMBEDDING_DIMENSIONS
from processing.openai_client import openai_client_from_settings


class OpenAIEmbedder:
    def __init__(self, *, client: OpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.name = f"openai:{model}"

    @classmethod
    def from_settings(cls) -> OpenAIEmbedder:
        client = openai_client_from_settings()
        return cls(client=client, model=settings.CROW_EMBEDDINGS_MODEL)

    def embed(self, texts: list[str]) -> list[list[float]]:
        response = self.client.embeddings.create(model=self.model, input=texts, dimensions=EMBEDDING_DIMENSIONS)
        ordered = sorted(response.data, key=lambda d: d.index)
        return [list(d.embedding) for d in ordered]
