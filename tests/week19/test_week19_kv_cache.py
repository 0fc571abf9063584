"""week19_genai.kv_cache, the decode loop by hand, against `generate()` and shared.llm's chat."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tiny_llama import build_tiny_llama

from shared import llm
from shared.hub import load_pretrained
from week19_genai.kv_cache import cached_tokens

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Name three colours of the rainbow."},
]


@pytest.fixture(scope="module")
def tiny_chat(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The tiny random Llama and SmolLM2's tokenizer, loaded once for the module."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder: Path = build_tiny_llama(tmp_path_factory.mktemp("tiny_llama"))
    model = load_pretrained(AutoModelForCausalLM, folder).eval()
    return model, load_pretrained(AutoTokenizer, folder)


def test_greedy_loop_writes_what_generate_and_the_chat_write(tiny_chat: tuple) -> None:
    model, tokenizer = tiny_chat
    prompt = llm.prompt_ids(tokenizer, MESSAGES)
    stops = llm.stop_token_ids(model, tokenizer)
    own = list(cached_tokens(model, prompt, 40, stops))
    ids = torch.tensor([prompt])
    out = model.generate(
        ids, attention_mask=torch.ones_like(ids), max_new_tokens=40, do_sample=False
    )[0, len(prompt) :].tolist()
    expected = out[: next((i for i, t in enumerate(out) if t in stops), len(out))]
    assert len(own) > 10 and own == expected  # token for token
    text = tokenizer.decode(own, skip_special_tokens=True)
    pieces = list(llm.stream_reply(model, tokenizer, MESSAGES, max_new_tokens=40))
    assert all(pieces) and "".join(pieces) == text


def test_sampling_is_seeded_and_checked(tiny_chat: tuple) -> None:
    model, tokenizer = tiny_chat
    prompt = llm.prompt_ids(tokenizer, MESSAGES)
    options = {"temperature": 1.0, "top_p": 0.9}
    first = list(cached_tokens(model, prompt, 12, set(), seed=3, **options))
    assert first == list(cached_tokens(model, prompt, 12, set(), seed=3, **options))
    assert first != list(cached_tokens(model, prompt, 12, set(), seed=4, **options))
    with pytest.raises(ValueError, match="top_p"):
        next(cached_tokens(model, prompt, 4, set(), top_p=0.0))
    with pytest.raises(ValueError, match="prompt is empty"):
        next(cached_tokens(model, [], 4, set()))


def test_the_chat_samples_reproducibly_and_stops_when_left(tiny_chat: tuple) -> None:
    model, tokenizer = tiny_chat
    options = {"max_new_tokens": 12, "temperature": 1.0, "top_p": 0.9}
    first = llm.reply(model, tokenizer, MESSAGES, seed=3, **options)
    assert first == llm.reply(model, tokenizer, MESSAGES, seed=3, **options)
    generation = llm.Generation(model, tokenizer, llm.prompt_ids(tokenizer, MESSAGES), 200)
    next(generation.pieces())
    generation.cancel()
    generation.thread.join(30)
    assert not generation.thread.is_alive() and not generation.completed
    assert generation.tokens < 200
