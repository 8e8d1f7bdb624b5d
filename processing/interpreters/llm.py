"""The LLM interpreter: an OpenAI-compatible chat model reads a compact timeline and answers in JSON.

Nothing it says is trusted: the answer is parsed and checked against the session (every key moment
must cite events that exist, every product must be in the catalog or the session). Anything wrong —
a timeout, an HTTP error, bad JSON, an invented fact — falls back to the rules interpreter, and the
reason is kept on the interaction (`fallback_reason`)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import openai
from django.conf import settings
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

from processing.domain import FrustrationSignal, Interpretation, KeyMoment, SessionContext, TimelineEvent
from processing.interpreters.rules import RulesInterpreter
from processing.models import Intent
from processing.openai_client import openai_client_from_settings

logger = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4  # a conservative estimate for English and URLs; no tokenizer dependency
SIGNAL_KINDS = {"rage_click", "dead_click", "form_error", "form_abandoned", "slow_page", "poor_vital", "other"}

INSTRUCTIONS = """You analyse one visitor session on a website and explain it to the site owner.
Answer with one JSON object and nothing else, with exactly these keys:
  "summary": 1-3 plain sentences, starting "User ...", saying what the user did and what it indicates,
  "intent": one of {intents},
  "intent_confidence": a number from 0 to 1,
  "goals": a list of short strings,
  "behaviors": a list of short strings (patterns: navigation, dwell, cart, checkout, search, forms, frustration),
  "predicted_next_action": a short string,
  "products": a list of product names the user engaged with, only from the catalog or the timeline,
  "key_moments": a list of {{"events": [event numbers from the timeline], "text": short string}},
  "frustration_signals": a list of {{"kind": one of {kinds}, "text": short string, "events": [event numbers]}}.
Cite only event numbers that appear in the timeline. Never invent products or events."""


class LLMRejected(Exception):
    """The model's answer could not be used; the message is the recorded fallback reason."""


def _line(event: TimelineEvent, context: SessionContext) -> str:
    offset = (event.timestamp - context.started_at).total_seconds()
    parts = [f"#{event.index}", f"+{offset:.1f}s", event.type]
    if event.name:
        parts.append(event.name)
    if event.element:
        parts.append(f"on '{event.element_label}'")
    if event.url_path:
        parts.append(event.url_path + (f"?{event.url_query.lstrip('?')}" if event.url_query else ""))
    product = context.event_products.get(event.index)
    if product:
        parts.append(f"[product: {product}]")
    props = {k: v for k, v in event.props.items() if isinstance(v, str | int | float | bool)}
    if props:
        parts.append(json.dumps(props, separators=(",", ":"))[:160])
    return " ".join(parts)


def _names(names: list[str], limit: int = 30) -> str:
    shown = ", ".join(names[:limit]) or "none"
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def timeline_prompt(*, context: SessionContext, events: list[TimelineEvent], token_budget: int) -> str:
    """Context and timeline within `token_budget` tokens: the start and the end of a long session are
    kept (entry and outcome matter most), the middle is elided with a count."""
    header = [
        f"Session {context.session_key}: {context.event_count} events over {context.duration_seconds:.0f} s, "
        f"device {context.device_type or 'unknown'}, country {context.country or 'unknown'}.",
        "Catalog products: " + _names(context.catalog_names) + ".",
        "Products seen in this session: " + _names([p.name for p in context.products]) + ".",
        "Timeline:",
    ]
    lines = [_line(e, context) for e in events]
    budget = token_budget * CHARS_PER_TOKEN - sum(len(h) + 1 for h in header)
    if sum(len(line) + 1 for line in lines) > budget:
        head: list[str] = []
        tail: list[str] = []
        used = 60  # room for the elision line
        i, j = 0, len(lines) - 1
        while i <= j:
            take_head = len(head) <= len(tail)
            line = lines[i] if take_head else lines[j]
            if used + len(line) + 1 > budget:
                break
            used += len(line) + 1
            if take_head:
                head.append(line)
                i += 1
            else:
                tail.append(line)
                j -= 1
        omitted = len(lines) - len(head) - len(tail)
        lines = [*head, f"... {omitted} events omitted ...", *reversed(tail)]
    return "\n".join(header + lines)


def _strings(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LLMRejected(f"invalid result: {field} must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def _cited(value: Any, events: list[TimelineEvent], field: str) -> list[int]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in value)
    ):
        raise LLMRejected(f"invalid result: {field} must cite event numbers")
    for index in value:
        if not 0 <= index < len(events):
            raise LLMRejected(f"hallucinated event: {field} cites #{index}, not in the session")
    return list(value)


def interpretation_validate(*, data: Any, context: SessionContext, events: list[TimelineEvent]) -> Interpretation:
    if not isinstance(data, dict):
        raise LLMRejected("invalid result: not a JSON object")
    summary = data.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise LLMRejected("invalid result: summary missing")
    intent = data.get("intent")
    if intent not in Intent.values:
        raise LLMRejected(f"invalid result: unknown intent {intent!r}")
    confidence = data.get("intent_confidence")
    if not isinstance(confidence, int | float) or isinstance(confidence, bool) or not 0 <= confidence <= 1:
        raise LLMRejected("invalid result: intent_confidence must be a number from 0 to 1")
    known = {p.name.lower(): p.name for p in context.products} | {n.lower(): n for n in context.catalog_names}
    products = []
    for name in _strings(data.get("products", []), "products"):
        if name.lower() not in known:
            raise LLMRejected(f"hallucinated product: {name!r} is in neither the catalog nor the session")
        products.append(known[name.lower()])
    moments = []
    for i, item in enumerate(data.get("key_moments") or []):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise LLMRejected("invalid result: key moment without text")
        indexes = _cited(item.get("events"), events, f"key_moments[{i}]")
        first = events[indexes[0]]
        moments.append(
            KeyMoment(
                time=first.timestamp.isoformat(),
                offset_seconds=round((first.timestamp - context.started_at).total_seconds(), 3),
                text=item["text"].strip(),
                event_indexes=indexes,
                event_ids=[events[j].event_id for j in indexes],
            )
        )
    signals = []
    for i, item in enumerate(data.get("frustration_signals") or []):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise LLMRejected("invalid result: frustration signal without text")
        kind = item.get("kind") if item.get("kind") in SIGNAL_KINDS else "other"
        signals.append(
            FrustrationSignal(str(kind), item["text"].strip(), _cited(item.get("events"), events, f"frustration[{i}]"))
        )
    next_action = data.get("predicted_next_action", "")
    if not isinstance(next_action, str):
        raise LLMRejected("invalid result: predicted_next_action must be a string")
    return Interpretation(
        summary=summary.strip(),
        intent=str(intent),
        intent_confidence=round(float(confidence), 2),
        goals=_strings(data.get("goals", []), "goals"),
        behaviors=_strings(data.get("behaviors", []), "behaviors"),
        predicted_next_action=next_action.strip(),
        products=products,
        key_moments=moments,
        frustration_signals=signals,
        interpreter="llm",
    )


class LLMInterpreter:
    name = "llm"

    def __init__(self, *, client: OpenAI, model: str, token_budget: int, max_output_tokens: int) -> None:
        self.client = client
        self.model = model
        self.token_budget = token_budget
        self.max_output_tokens = max_output_tokens
        self.fallback = RulesInterpreter()

    @classmethod
    def from_settings(cls) -> LLMInterpreter:
        client = openai_client_from_settings()
        return cls(
            client=client,
            model=settings.CROW_LLM_MODEL,
            token_budget=settings.CROW_LLM_PROMPT_TOKEN_BUDGET,
            max_output_tokens=settings.CROW_LLM_MAX_OUTPUT_TOKENS,
        )

    def messages(self, *, context: SessionContext, events: list[TimelineEvent]) -> list[ChatCompletionMessageParam]:
        system = INSTRUCTIONS.format(intents=", ".join(Intent.values), kinds=", ".join(sorted(SIGNAL_KINDS)))
        if context.prompt_addition.strip():
            system += "\n\nAbout this website, from its owner:\n" + context.prompt_addition.strip()[:2000]
        budget = self.token_budget - len(system) // CHARS_PER_TOKEN
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": timeline_prompt(context=context, events=events, token_budget=budget)},
        ]

    def ask(self, *, context: SessionContext, events: list[TimelineEvent]) -> Interpretation:
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=self.messages(context=context, events=events),
                response_format={"type": "json_object"},
                temperature=0,
                max_tokens=self.max_output_tokens,
            )
        except openai.APITimeoutError as exc:
            raise LLMRejected("timeout") from exc
        except openai.APIStatusError as exc:
            raise LLMRejected(f"HTTP {exc.status_code} from the LLM provider") from exc
        except openai.APIConnectionError as exc:
            raise LLMRejected("connection to the LLM provider failed") from exc
        content = response.choices[0].message.content if response.choices else None
        if not content:
            raise LLMRejected("empty answer")
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise LLMRejected(f"invalid JSON: {exc.msg}") from exc
        return interpretation_validate(data=data, context=context, events=events)

    def interpret(self, *, context: SessionContext, events: list[TimelineEvent]) -> Interpretation:
        try:
            return self.ask(context=context, events=events)
        except LLMRejected as exc:
            logger.warning("llm_interpretation_rejected", extra={"org": context.organization_id, "reason": str(exc)})
            result = self.fallback.interpret(context=context, events=events)
            return replace(result, fallback_reason=f"llm: {exc}")
