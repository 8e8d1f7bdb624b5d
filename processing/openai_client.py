"""The one OpenAI-compatible client both the LLM interpreter and the OpenAI embedder use."""

from __future__ import annotations

from django.conf import settings
from openai import OpenAI


def openai_client_from_settings() -> OpenAI:
    return OpenAI(
        api_key=settings.OPENAI_API_KEY or "unset",  # a local OpenAI-compatible server may need no key
        base_url=settings.OPENAI_BASE_URL or None,
        timeout=settings.CROW_LLM_TIMEOUT_SECONDS,
        max_retries=settings.CROW_LLM_MAX_RETRIES,
    )
