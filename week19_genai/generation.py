"""Hugging Face generation helpers shared by the week's SmolLM2 projects.

`chat_prefix` renders a conversation with the model's chat template, ending where the
assistant's reply begins; `generate_texts` runs `model.generate` on a batch of such prefixes
(left-padded, so every row's new tokens start at the same column) and returns the new text
and token ids of each row. Works with any causal LM and tokenizer of transformers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def chat_prefix(tokenizer: Any, user: str, system: str | None = None) -> str:
    """Return the templated prompt of one user message (after an optional system message)."""
    if not user.strip():
        raise ValueError("the prompt is empty: give the model an instruction")
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": user})
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def pad_id(tokenizer: Any) -> int:
    """Return the id used for padding: the tokenizer's pad token, else its end-of-text token."""
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id


def left_padded(rows: Sequence[list[int]], pad: int) -> dict:
    """Return input_ids and attention_mask with each row padded on the left to the longest."""
    import torch

    width = max(map(len, rows))
    return {
        "input_ids": torch.tensor([[pad] * (width - len(r)) + r for r in rows]),
        "attention_mask": torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows]),
    }


def generate_texts(
    model: Any,
    tokenizer: Any,
    prefixes: Sequence[str],
    max_new_tokens: int,
    num_return_sequences: int = 1,
    **options: Any,
) -> tuple[list[str], list[list[int]]]:
    """Generate after each prefix; return (new texts, new token ids), prefix by prefix in order.

    `options` go to `model.generate` (do_sample, temperature, top_k, top_p, num_beams,
    repetition_penalty, ...). A prefix longer than the model's context is refused.
    """
    import torch

    if not prefixes or any(not p for p in prefixes):
        raise ValueError("every prompt must be a non-empty string")
    window = int(getattr(model.config, "max_position_embeddings", 0) or 0)
    batch = left_padded(
        [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prefixes], pad_id(tokenizer)
    )
    if window and batch["input_ids"].shape[1] + max_new_tokens > window:
        raise ValueError(
            f"prompt of {batch['input_ids'].shape[1]} tokens + {max_new_tokens} new ones exceeds "
            f"the model's context of {window} tokens: shorten the prompt"
        )
    device = next(model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    with torch.inference_mode():
        out = model.generate(
            **batch,
            max_new_tokens=max_new_tokens,
            num_return_sequences=num_return_sequences,
            pad_token_id=pad_id(tokenizer),
            **options,
        )
    new = out[:, batch["input_ids"].shape[1] :].tolist()
    stops = {pad_id(tokenizer), tokenizer.eos_token_id}
    ids = [[t for t in row[: _first_stop(row, stops)]] for row in new]
    return tokenizer.batch_decode(ids, skip_special_tokens=True), ids


def _first_stop(row: list[int], stops: set[int]) -> int:
    """Return the index of the first end-of-text or padding token in `row` (its length if none)."""
    return next((i for i, t in enumerate(row) if t in stops), len(row))


def sample_with_logprobs(
    model: Any, tokenizer: Any, prefix: str, n: int, max_new_tokens: int, **options: Any
) -> list[tuple[list[int], list[float]]]:
    """Sample `n` continuations of one prefix; return each one's token ids and log-probabilities.

    The log-probabilities are the model's own (from its raw logits, before temperature or top-p
    reshape them), so candidates can be re-ranked by how likely the model finds them.
    """
    import torch

    if not prefix:
        raise ValueError("the prompt is empty: give the model an instruction")
    batch = left_padded(
        [tokenizer(prefix, add_special_tokens=False)["input_ids"]], pad_id(tokenizer)
    )
    device = next(model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    with torch.inference_mode():
        out = model.generate(
            **batch,
            max_new_tokens=max_new_tokens,
            num_return_sequences=n,
            pad_token_id=pad_id(tokenizer),
            output_logits=True,
            return_dict_in_generate=True,
            **options,
        )
    new = out.sequences[:, batch["input_ids"].shape[1] :]
    logp = torch.stack(out.logits, dim=1).float().log_softmax(-1).gather(-1, new[..., None])
    stops = {pad_id(tokenizer), tokenizer.eos_token_id}
    rows = []
    for ids, scores in zip(new.tolist(), logp[..., 0].tolist(), strict=True):
        end = _first_stop(ids, stops)
        rows.append((ids[:end], scores[:end]))
    return rows
