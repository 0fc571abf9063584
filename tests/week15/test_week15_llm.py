"""shared/llm.py on the real SmolLM2-135M-Instruct: trimming, streaming, sampling, the REPL."""

from __future__ import annotations

import functools
import io

import pytest
import torch

from shared import llm
from shared.registry import DatasetError, fetch

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


@pytest.fixture(scope="module")
def chat_model():
    """The chat model and its tokenizer, loaded once for the module (cached per process)."""
    return llm.load_chat_model(fetch(llm.REGISTRY_NAME), "cpu")


def _conversation(turns: int) -> list[dict[str, str]]:
    """A system message, `turns` user/assistant pairs, and a final question."""
    messages = [SYSTEM]
    for i in range(turns):
        messages.append({"role": "user", "content": f"Question {i}: tell me about the number {i}."})
        messages.append({"role": "assistant", "content": f"The number {i} comes after {i - 1}."})
    messages.append({"role": "user", "content": "What was the first number?"})
    return messages


def test_trim_keeps_what_fits_and_drops_the_oldest_turns(chat_model):
    _, tokenizer = chat_model
    messages = _conversation(10)
    full = llm.count_tokens(tokenizer, messages)
    assert llm.trim_history(messages, tokenizer, full) == messages
    budget = full // 2
    kept = llm.trim_history(messages, tokenizer, budget)
    assert llm.count_tokens(tokenizer, kept) <= budget
    assert kept[0] == SYSTEM and kept[1]["role"] == "user" and kept[-1] == messages[-1]
    assert kept[1:] == messages[len(messages) - len(kept) + 1 :]  # a suffix of whole turns
    longer = [SYSTEM, *messages[len(messages) - len(kept) - 1 :]]  # one more turn back
    assert llm.count_tokens(tokenizer, longer) > budget


def test_trim_raises_when_the_last_message_alone_cannot_fit(chat_model):
    _, tokenizer = chat_model
    messages = [SYSTEM, {"role": "user", "content": "word " * 500}]
    with pytest.raises(llm.ContextOverflow, match="shorten it"):
        llm.trim_history(messages, tokenizer, 100)


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([], "conversation is empty"),
        ([SYSTEM, {"role": "user", "content": "   "}], "prompt is empty"),
        ([SYSTEM, {"role": "assistant", "content": "hi"}], "last message must be the user"),
        ([{"role": "robot", "content": "hi"}], "role in"),
        ([{"role": "user", "content": b"hi"}], "str content"),
    ],
)
def test_bad_conversations_get_a_clear_error(chat_model, messages, message):
    model, tokenizer = chat_model
    with pytest.raises(ValueError, match=message):
        llm.reply(model, tokenizer, messages, max_new_tokens=4)


def test_streaming_greedy_matches_transformers_generate(chat_model):
    model, tokenizer = chat_model
    messages = [SYSTEM, {"role": "user", "content": "Name three colours of the rainbow."}]
    pieces = list(llm.stream_reply(model, tokenizer, messages, max_new_tokens=12))
    assert len(pieces) > 1 and all(pieces)
    ids = torch.tensor([llm.prompt_ids(tokenizer, messages)])
    out = model.generate(
        ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False
    )
    expected = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    assert "".join(pieces) == expected
    assert llm.reply(model, tokenizer, messages, max_new_tokens=12) == expected


def test_sampling_is_reproducible_with_a_seed(chat_model):
    model, tokenizer = chat_model
    messages = [SYSTEM, {"role": "user", "content": "Write one word."}]
    options = {"max_new_tokens": 6, "temperature": 1.0, "top_p": 0.9}
    first = llm.reply(model, tokenizer, messages, seed=3, **options)
    assert first == llm.reply(model, tokenizer, messages, seed=3, **options)


def test_options_are_checked(chat_model):
    model, tokenizer = chat_model
    messages = [SYSTEM, {"role": "user", "content": "Hi"}]
    with pytest.raises(ValueError, match="max_new_tokens"):
        llm.reply(model, tokenizer, messages, max_new_tokens=0)
    with pytest.raises(ValueError, match="top_p"):
        llm.reply(model, tokenizer, messages, top_p=0.0)


def test_repl_streams_replies_keeps_history_and_resets(chat_model):
    model, tokenizer = chat_model
    lines = iter(["", "Say hello.", "/reset", "Say goodbye.", "Sing?", "/quit", "never read"])
    output = io.StringIO()
    asked = []

    def context(question: str) -> llm.Grounding:
        asked.append(question)
        if question == "Sing?":
            return llm.Grounding(reply="Not in the notes.", footer="(no source)")
        return llm.Grounding(notes="Goodbye is said when leaving.", footer="source: notes.md")

    history = llm.chat_repl(
        model,
        tokenizer,
        "Be brief.",
        input_fn=lambda prompt: next(lines),
        output=output,
        context=context,
        max_new_tokens=5,
    )
    text = output.getvalue()
    assert "type a question" in text and "conversation forgotten" in text
    assert text.count("bot> ") == 3 and text.count("source: notes.md") == 2
    assert "bot> Not in the notes.\n(no source)\n" in text  # said, not generated
    assert asked == ["Say hello.", "Say goodbye.", "Sing?"]
    assert [m["role"] for m in history] == ["system", "user", "assistant", "user", "assistant"]
    assert history[1]["content"] == "Say goodbye."  # the bare question, not the notes
    assert history[2]["content"] and history[2]["content"] in text
    assert history[4]["content"] == "Not in the notes."


def test_repl_stops_at_end_of_input(chat_model):
    model, tokenizer = chat_model

    def no_input(prompt: str) -> str:
        raise EOFError

    history = llm.chat_repl(model, tokenizer, input_fn=no_input, output=io.StringIO())
    assert history == [{"role": "system", "content": llm.DEFAULT_SYSTEM}]


def test_a_folder_without_the_gguf_file_is_refused(tmp_path):
    with pytest.raises((FileNotFoundError, DatasetError), match="SmolLM2"):
        llm.load_chat_model(tmp_path)


def parse_gguf_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Have transformers parse the GGUF file once, not once each for tokenizer, config and weights.

    Loading from GGUF reads the whole file's metadata (SmolLM2's 49,152-token vocabulary) per
    call, and rebuilds gguf's tensor-name map once per module: most of a GGUF load's time. Both
    are read-only, so one of each serves every load of the same file.
    """
    import gguf

    monkeypatch.setattr(gguf, "GGUFReader", functools.cache(gguf.GGUFReader))
    monkeypatch.setattr(gguf, "get_tensor_name_map", functools.cache(gguf.get_tensor_name_map))


def test_the_dequantized_copy_is_the_gguf_model(chat_model, monkeypatch):
    """The safetensors copy kept after the first load gives the GGUF model's logits and tokens."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from shared.hub import load_pretrained

    parse_gguf_once(monkeypatch)
    folder = fetch(llm.REGISTRY_NAME)
    copy = llm.dequantized_folder(folder)
    assert (copy / "config.json").is_file(), "the first load keeps a dequantized copy"
    messages = [{"role": "user", "content": "Which week teaches ARIMA?"}]
    tokenizers = [
        load_pretrained(AutoTokenizer, folder, gguf_file=llm.GGUF_FILE),
        load_pretrained(AutoTokenizer, copy),
    ]
    prompts = [llm.prompt_ids(tokenizer, messages) for tokenizer in tokenizers]
    assert prompts[0] == prompts[1]
    models = [
        load_pretrained(AutoModelForCausalLM, folder, gguf_file=llm.GGUF_FILE).eval(),
        load_pretrained(AutoModelForCausalLM, copy).eval(),
    ]
    ids = torch.tensor([prompts[0]])
    with torch.no_grad():
        logits = [model(ids).logits for model in models]
    assert torch.equal(logits[0], logits[1])
