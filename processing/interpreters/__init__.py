"""Interpreters: one interface (`Interpreter.interpret`), one result (`processing.domain.Interpretation`).

`interpreter_for_settings()` picks the configured one: the LLM when CROW_INTERPRETER is "llm", or
"auto" with OPENAI_API_KEY set; the rules interpreter otherwise, and always as the LLM's fallback."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

from processing.domain import Interpretation, SessionContext, TimelineEvent


class Interpreter(Protocol):
    name: str

    def interpret(self, *, context: SessionContext, events: list[TimelineEvent]) -> Interpretation: ...


def interpreter_for_settings() -> Interpreter:
    from processing.interpreters.llm import LLMInterpreter
    from processing.interpreters.rules import RulesInterpreter

    choice = settings.CROW_INTERPRETER
    if choice == "llm" or (choice == "auto" and settings.OPENAI_API_KEY):
        return LLMInterpreter.from_settings()
    return RulesInterpreter()
