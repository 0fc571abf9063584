"""JSON extraction, Pydantic validation and the retry that feeds the error back to the model."""

from __future__ import annotations

import pytest

from week20_genai_multimodal import structured
from week20_genai_multimodal.projects.prompting import GarmentAnswer
from week20_genai_multimodal.structured import ask_validated, extract_json, validate


def test_extract_json_takes_the_first_balanced_object() -> None:
    assert extract_json('Sure! {"a": "}", "b": {"c": 1}} and more') == {"a": "}", "b": {"c": 1}}
    with pytest.raises(ValueError, match="no JSON"):
        extract_json("no braces here")
    with pytest.raises(ValueError, match="not closed"):
        extract_json('{"a": 1')


def test_validation_checks_the_schema_and_names_the_problem() -> None:
    ok = validate('{"garment": "trainer", "colour": "Red"}', GarmentAnswer)
    assert (ok.garment, ok.colour) == ("trainer", "red")
    with pytest.raises(ValueError, match="garment"):
        validate('{"garment": "spaceship", "colour": "red"}', GarmentAnswer)
    with pytest.raises(ValueError, match="invalid JSON"):
        validate("{'garment': 'dress'}", GarmentAnswer)


def test_retry_feeds_the_error_back_and_stops_at_the_first_valid_reply(monkeypatch) -> None:
    scripted = iter(["I think it is a red dress.", '{"garment": "dress", "colour": "red"}'])
    seen = []

    def fake_reply(model, tokenizer, messages, **options):
        seen.append((list(messages), options))
        return next(scripted)

    monkeypatch.setattr(structured, "reply", fake_reply)
    question = [{"role": "user", "content": "caption: a red dress"}]
    result = ask_validated(None, None, question, GarmentAnswer, retries=2)
    assert result.value is not None and result.value.garment == "dress"
    assert len(result.replies) == 2 and "no JSON" in result.errors[0]
    retry_messages, retry_options = seen[1]
    assert retry_messages[-1]["role"] == "user" and "not valid" in retry_messages[-1]["content"]
    assert retry_options["temperature"] > 0 and seen[0][1]["temperature"] == 0


def test_retries_give_up_with_every_error_recorded(monkeypatch) -> None:
    monkeypatch.setattr(structured, "reply", lambda *a, **k: "nope")
    result = ask_validated(None, None, [{"role": "user", "content": "x"}], GarmentAnswer, retries=2)
    assert result.value is None and len(result.errors) == 3
