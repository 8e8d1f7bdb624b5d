"""The LLM interpreter against a local OpenAI-compatible server (the provider's network is the only fake)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from processing import services
from processing.embedders.openai import OpenAIEmbedder
from processing.interpreters.llm import CHARS_PER_TOKEN, timeline_prompt
from processing.models import Interaction, ProcessingSettings
from processing.selectors import session_events
from processing.steps.enrich import session_enrich
from tests.factories import events_insert
from tests.processing.conftest import ACCEPTANCE_EVENTS, EXPECTED_SUMMARY

pytestmark = pytest.mark.django_db

VALID = {
    "summary": "User looked at Laptop X1, put it in the cart and went to checkout.",
    "intent": "purchasing",
    "intent_confidence": 0.92,
    "goals": ["buy Laptop X1"],
    "behaviors": ["linear funnel"],
    "predicted_next_action": "Pay for the order.",
    "products": ["Laptop X1"],
    "key_moments": [{"events": [1], "text": "Added Laptop X1 to the cart"}, {"events": [3], "text": "Checkout"}],
    "frustration_signals": [],
}


class FakeProvider:
    def __init__(self) -> None:
        self.script: list[tuple[int, Any]] = []  # (status, chat content or body), one per request
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0


@pytest.fixture
def provider() -> Iterator[tuple[str, FakeProvider]]:
    state = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append({"path": self.path, "body": body})
            if self.path.endswith("/embeddings"):
                data = [
                    {"object": "embedding", "index": i, "embedding": [0.05] * body["dimensions"]}
                    for i, _ in enumerate(body["input"])
                ]
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": data,
                        "model": body["model"],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    },
                )
                return
            status, content = state.script.pop(0) if state.script else (200, json.dumps(VALID))
            time.sleep(state.delay)
            if status != 200:
                self._send(status, {"error": {"message": "boom", "type": "server_error"}})
                return
            self._send(
                200,
                {
                    "id": "c1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                },
            )

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            raw = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", state
    server.shutdown()
    server.server_close()


@pytest.fixture
def llm(processing_settings: Any, provider: tuple[str, FakeProvider]) -> FakeProvider:
    url, state = provider
    processing_settings.CROW_INTERPRETER = "auto"
    processing_settings.OPENAI_API_KEY = "sk-test"
    processing_settings.OPENAI_BASE_URL = url
    processing_settings.CROW_LLM_TIMEOUT_SECONDS = 0.5
    processing_settings.CROW_LLM_MAX_RETRIES = 0
    return state


def process(shop: Any, key: str = "s") -> Interaction:
    events_insert(shop, key, ACCEPTANCE_EVENTS)
    services.session_process(organization_id=shop.pk, session_key=key)
    return Interaction.objects.for_org(shop).get(session_key=key)


def test_valid_answer_is_used(shop: Any, llm: FakeProvider) -> None:
    ProcessingSettings.objects.create(organization=shop, llm_prompt_addition="We sell laptops to students.")
    interaction = process(shop)
    assert interaction.interpreter == "llm"
    assert interaction.fallback_reason == ""
    assert interaction.summary == VALID["summary"]
    assert (interaction.intent, interaction.intent_confidence) == ("purchasing", 0.92)
    assert [p.name for p in interaction.products.all()] == ["Laptop X1"]
    assert [m["event_indexes"] for m in interaction.key_moments] == [[1], [3]]
    [request] = llm.requests
    system, user = request["body"]["messages"]
    assert "We sell laptops to students." in system["content"]
    assert "#1" in user["content"] and "add_to_cart" in user["content"] and "Laptop X1" in user["content"]
    assert request["body"]["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ([(200, "this is not json {")], "llm: invalid JSON"),
        ([(500, None)], "llm: HTTP 500 from the LLM provider"),
        ([(200, json.dumps({**VALID, "products": ["Laptop X9000"]}))], "llm: hallucinated product: 'Laptop X9000'"),
        ([(200, json.dumps({**VALID, "key_moments": [{"events": [42], "text": "?"}]}))], "llm: hallucinated event"),
        ([(200, json.dumps({**VALID, "intent": "shopping"}))], "llm: invalid result: unknown intent"),
    ],
)
def test_bad_answers_fall_back_to_rules(shop: Any, llm: FakeProvider, script: Any, reason: str) -> None:
    llm.script = list(script)
    interaction = process(shop)
    assert interaction.interpreter == "rules"
    assert interaction.fallback_reason.startswith(reason)
    assert interaction.summary == EXPECTED_SUMMARY


def test_timeout_falls_back_to_rules(shop: Any, llm: FakeProvider) -> None:
    llm.delay = 2.0
    started = time.monotonic()
    interaction = process(shop)
    assert time.monotonic() - started < 10
    assert (interaction.interpreter, interaction.fallback_reason) == ("rules", "llm: timeout")


def test_transient_500_is_retried(shop: Any, llm: FakeProvider, processing_settings: Any) -> None:
    processing_settings.CROW_LLM_MAX_RETRIES = 1
    llm.script = [(500, None)]
    interaction = process(shop)
    assert interaction.interpreter == "llm"
    assert len(llm.requests) == 2


def test_prompt_keeps_within_token_budget(shop: Any) -> None:
    many = [{"type": "page_view", "url_path": f"/products/item-{i}", "t": i} for i in range(400)]
    events_insert(shop, "long", many)
    from ingestion.models import Session

    timeline = session_events(organization_id=shop.pk, session_key="long")
    context = session_enrich(session=Session.objects.for_org(shop).get(session_id="long"), events=timeline)
    prompt = timeline_prompt(context=context, events=timeline, token_budget=1000)
    assert len(prompt) <= 1000 * CHARS_PER_TOKEN
    assert "#0 " in prompt and "#399 " in prompt and "events omitted" in prompt


def test_openai_embedder_asks_for_384_dimensions(llm: FakeProvider, processing_settings: Any) -> None:
    [vector] = OpenAIEmbedder.from_settings().embed(["hello"])
    assert len(vector) == 384
    assert llm.requests[0]["body"]["dimensions"] == 384
