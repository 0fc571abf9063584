"""Hugging Face pipelines: the one-call API over what this week builds by hand.

`pipeline("text-generation")` bundles the chat template, tokenizing, `model.generate` and
decoding. Given SmolLM2 from its registry folder and `do_sample=False`, it must produce, token
for token, what the week's own greedy loop produces (feed the sequence, take the argmax with
`sampling.sample_next`, append, stop at end-of-turn), and the same text as the week's KV-cache
loop (`kv_cache.cached_tokens`).

T5's text2text API (`pipeline("summarization")`, `pipeline("text2text-generation")`) was removed
in transformers 5 ("use the text-generation pipeline with a chat model instead", which is what
the SmolLM2 part does). What that pipeline did is spelled out in `summarize`: the task prefix,
the encoder-decoder's `generate`, decoding; `seq2seq_greedy_loop` is the same by hand. No
package registry ships a T5 checkpoint, so `load_seq2seq` is the real loading path (a local
folder through shared.hub) and the tests run all three on a tiny random T5.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.llm import Message, load_chat_model, prompt_ids, stop_token_ids
from shared.report import markdown_table
from week19_genai.kv_cache import cached_tokens
from week19_genai.sampling import sample_next

PROMPTS = [
    "Name three colours of the rainbow.",
    "What is the capital of France?",
    "Give one tip for learning to play the guitar.",
    "Why is the sky blue? Answer in one sentence.",
]
NEW_TOKENS = 48
# do_sample=False with one beam is greedy decoding ("Generation strategies", transformers docs):
# the pipeline and the hand-written loop take the same argmax at every step. Both bars are about
# SmolLM2, so a fast run, which skips loading it, lists them as not applicable.
BARS = [
    Bar(
        "pipeline_token_match_rate",
        ">=",
        1.0,
        "transformers docs, Generation strategies",
        data="smollm2_135m_instruct",
    ),
    Bar(
        "pipeline_prompt_match_rate",
        ">=",
        1.0,
        "transformers docs, Chat templates",
        data="smollm2_135m_instruct",
    ),
]
NO_T5 = (
    "T5 (text2text): transformers 5 removed `pipeline('summarization')` and "
    "`pipeline('text2text-generation')`, and no package registry (PyPI, npm, Debian) ships a "
    "T5-family checkpoint, so no pretrained T5 runs here. `load_seq2seq(folder)` loads one from a "
    "local folder and `summarize` does what the removed pipeline did; "
    "tests/week19/test_week19_pipelines.py runs both on a tiny random T5."
)
T5_PREFIX = "summarize: "  # T5 is told its task in the input text (Raffel et al., 2020, §2.4)


def text_generator(model: Any, tokenizer: Any) -> Any:
    """Return a text-generation pipeline around an already loaded model (no hub id, no download)."""
    from transformers import pipeline

    return pipeline("text-generation", model=model, tokenizer=tokenizer)


def pipeline_greedy(
    generator: Any, messages: Sequence[Message], max_new_tokens: int, stops: set[int]
) -> tuple[list[int], list[int]]:
    """Return (prompt ids, new ids up to the first stop token) of the pipeline's greedy reply."""
    (out,) = generator(
        [dict(m) for m in messages],
        max_new_tokens=max_new_tokens,
        do_sample=False,
        return_tensors=True,
    )
    ids = [int(t) for t in out["generated_token_ids"]]
    n_prompt = len(prompt_ids(generator.tokenizer, messages))
    new = ids[n_prompt:]
    end = next((i for i, t in enumerate(new) if t in stops), len(new))
    return ids[:n_prompt], new[:end]


def greedy_loop(model: Any, prompt: list[int], max_new_tokens: int, stops: set[int]) -> list[int]:
    """The week's own greedy decoding: run the whole sequence, append the argmax, repeat."""
    import torch

    device = next(model.parameters()).device
    ids, new = list(prompt), []
    for _ in range(max_new_tokens):
        with torch.inference_mode():
            logits = model(input_ids=torch.tensor([ids], device=device)).logits[:, -1]
        token = int(sample_next(logits.float().cpu(), temperature=0)[0])
        if token in stops:
            break
        new.append(token)
        ids.append(token)
    return new


def load_seq2seq(folder: Path) -> tuple[Any, Any]:
    """Return (model, tokenizer) of the encoder-decoder (T5-style) model in a local folder."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from shared.hub import load_pretrained

    model = load_pretrained(AutoModelForSeq2SeqLM, folder).eval()
    return model, load_pretrained(AutoTokenizer, folder)


def summarize(model: Any, tokenizer: Any, text: str, max_new_tokens: int) -> list[int]:
    """Return the greedy summary's token ids: what pipeline('summarization') did before v5."""
    import torch

    if not text.strip():
        raise ValueError("the text to summarize is empty")
    batch = tokenizer(T5_PREFIX + text, return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False)
    ids = out[0, 1:].tolist()  # after the decoder's start token
    stop = model.config.eos_token_id
    return ids[: ids.index(stop)] if stop in ids else ids


def seq2seq_greedy_loop(model: Any, tokenizer: Any, text: str, max_new_tokens: int) -> list[int]:
    """The same by hand: encode once, then grow the decoder's input by its argmax token."""
    import torch

    source = tokenizer(T5_PREFIX + text, return_tensors="pt")
    start, stop = model.config.decoder_start_token_id, model.config.eos_token_id
    with torch.inference_mode():
        encoded = model.get_encoder()(**source)
        target = [start]
        for _ in range(max_new_tokens):
            logits = model(
                encoder_outputs=encoded,
                attention_mask=source["attention_mask"],
                decoder_input_ids=torch.tensor([target]),
            ).logits[:, -1]
            token = int(sample_next(logits.float(), temperature=0)[0])
            if token == stop:
                break
            target.append(token)
    return target[1:]


def run(ctx: RunContext) -> dict[str, float]:
    """SmolLM2 through `pipeline("text-generation")`, checked against the week's own loops."""
    ctx.note(NO_T5)
    if ctx.fast:
        ctx.info["smollm2"] = (
            "skipped in the fast run: loading SmolLM2 takes longer than a smoke test"
        )
        return {}
    model, tokenizer = load_chat_model(
        ctx.dataset("smollm2_135m_instruct"), resolve_device(ctx.device)
    )
    generator = text_generator(model, tokenizer)
    stops = stop_token_ids(model, tokenizer)
    rows, same_ids, same_prompt, same_text, tokens = [], 0, 0, 0, 0
    for question in PROMPTS:
        messages = [{"role": "user", "content": question}]
        prompt, piped = pipeline_greedy(generator, messages, NEW_TOKENS, stops)
        own = greedy_loop(model, prompt_ids(tokenizer, messages), NEW_TOKENS, stops)
        text = tokenizer.decode(piped, skip_special_tokens=True)
        cached = cached_tokens(model, prompt_ids(tokenizer, messages), NEW_TOKENS, stops)
        chat_text = tokenizer.decode(list(cached), skip_special_tokens=True)
        same_ids += piped == own
        same_prompt += prompt == prompt_ids(tokenizer, messages)
        same_text += text == chat_text
        tokens += len(piped)
        rows.append(
            (question, len(piped), "yes" if piped == own else "**no**", " ".join(text.split()))
        )
        ctx.log(f"{question!r}: {len(piped)} tokens, identical: {piped == own}")
    ctx.note(
        f"SmolLM2-135M-Instruct, greedy (`do_sample=False`), up to {NEW_TOKENS} new tokens: "
        "`pipeline('text-generation')` against the week's own loop (`greedy_loop`), token ids "
        "compared one by one:\n\n"
        + markdown_table(["prompt", "tokens", "identical ids", "the pipeline's reply"], rows)
    )
    return {
        "pipeline_token_match_rate": same_ids / len(PROMPTS),
        "pipeline_prompt_match_rate": same_prompt / len(PROMPTS),
        "pipeline_text_match_rate_vs_chat_loop": same_text / len(PROMPTS),
        "pipeline_tokens_compared": float(tokens),
    }
