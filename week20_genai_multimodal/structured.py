"""Structured output from a small chat model: JSON, validated with Pydantic, retried when invalid.

A 135M-parameter model often wraps JSON in prose, leaves it unfinished or invents keys. The
pipeline takes the first {...} block of the reply, validates it against a Pydantic model, and
on failure asks again, telling the model what was wrong and sampling (temperature > 0) so the
retry is not the same greedy answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from shared.llm import Message, reply

T = TypeVar("T", bound=BaseModel)


@dataclass
class Attempts(Generic[T]):
    """What the pipeline got: the validated object (or None) and every raw reply, in order."""

    value: T | None
    replies: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def extract_json(text: str) -> Any:
    """Parse the first balanced {...} block in `text`; raise ValueError when there is none."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in the reply (no '{')")
    depth, in_string, escaped = 0, False, False
    for i, ch in enumerate(text[start:], start):
        if in_string:
            escaped = ch == "\\" and not escaped
            if ch == '"' and not escaped:
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return json.loads(text[start : i + 1])
    raise ValueError("the JSON object is not closed (missing '}')")


def validate(text: str, schema: type[T], context: dict | None = None) -> T:
    """The reply's JSON as a `schema` instance; ValueError says what is wrong.

    `context` reaches the schema's validators (Pydantic validation context), e.g. what an
    answer must not repeat.
    """
    try:
        return schema.model_validate(extract_json(text), context=context)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"JSON does not match the schema: {problems}") from None


def ask_validated(
    model: Any,
    tokenizer: Any,
    messages: Sequence[Message],
    schema: type[T],
    *,
    retries: int = 2,
    max_new_tokens: int = 48,
    seed: int = 0,
    context: dict | None = None,
) -> Attempts[T]:
    """Ask, validate, and retry up to `retries` times with the error fed back to the model."""
    conversation = list(messages)
    attempts: Attempts[T] = Attempts(None)
    for attempt in range(retries + 1):
        text = reply(
            model,
            tokenizer,
            conversation,
            max_new_tokens=max_new_tokens,
            temperature=0.0 if attempt == 0 else 0.7,
            seed=seed + attempt,
        )
        attempts.replies.append(text)
        try:
            attempts.value = validate(text, schema, context)
            return attempts
        except ValueError as exc:
            attempts.errors.append(str(exc))
            conversation = [
                *messages,
                {"role": "assistant", "content": text},
                {"role": "user", "content": f"That is not valid: {exc}. Reply with only the JSON."},
            ]
    return attempts
