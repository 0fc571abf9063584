"""Scoring text with a Hugging Face causal language model: perplexity, and distinct-n diversity.

Perplexity is exp(mean negative log-likelihood) of the scored tokens; here only the tokens
after a prompt are scored (the prompt is context, not text to judge). Distinct-n (Li et al.,
2016, "A Diversity-Promoting Objective Function for Neural Conversation Models") is the number
of distinct word n-grams divided by the number of n-grams: 1.0 never repeats, a loop that
repeats one phrase tends to 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

IGNORE = -100  # the label transformers' loss skips


Pair = tuple[list[int], list[int]]  # (prompt ids, ids of the text to score)


def encode_pairs(tokenizer: Any, prompts: Sequence[str], texts: Sequence[str]) -> list[Pair]:
    """Tokenize each (prompt, text) apart, so the scored tokens are exactly the text's."""
    pairs = []
    for prompt, text in zip(prompts, texts, strict=True):
        text_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if not text_ids:
            raise ValueError(f"nothing to score: the text after prompt {prompt[:40]!r} is empty")
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"] if prompt else []
        pairs.append((list(prompt_ids), list(text_ids)))
    return pairs


def labelled_batch(pairs: Sequence[Pair], pad_id: int) -> dict:
    """Return a right-padded batch of prompt + text, labelled on the text tokens only."""
    import torch

    rows = [prompt + text for prompt, text in pairs]
    labels = [[IGNORE] * len(prompt) + text for prompt, text in pairs]
    width = max(map(len, rows))
    return {
        "input_ids": torch.tensor([r + [pad_id] * (width - len(r)) for r in rows]),
        "attention_mask": torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows]),
        "labels": torch.tensor([lab + [IGNORE] * (width - len(lab)) for lab in labels]),
    }


def token_nll(model: Any, batch: dict) -> tuple[float, int]:
    """Return (summed NLL in nats, number of scored tokens) of a labelled batch."""
    import torch
    from torch.nn import functional as F

    device = next(model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    with torch.inference_mode():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    targets = batch["labels"][:, 1:]
    nll = F.cross_entropy(
        logits[:, :-1].float().reshape(-1, logits.size(-1)),
        targets.reshape(-1),
        ignore_index=IGNORE,
        reduction="sum",
    )
    return float(nll), int((targets != IGNORE).sum())


def perplexity(model: Any, pairs: Sequence[Pair], pad_id: int, batch_size: int = 4) -> float:
    """Return the perplexity of the texts of `pairs`, each after its prompt, over all tokens."""
    total, count = 0.0, 0
    for i in range(0, len(pairs), batch_size):
        nll, n = token_nll(model, labelled_batch(pairs[i : i + batch_size], pad_id))
        total, count = total + nll, count + n
    return math.exp(total / count)


def words(text: str) -> list[str]:
    """Return the lower-cased words of `text` (letters, digits and apostrophes)."""
    return re.findall(r"[a-z0-9']+", text.lower())


def distinct_n(texts: Sequence[str], n: int = 2) -> float:
    """Return distinct word n-grams / all word n-grams, pooled over `texts` (0 when none)."""
    grams = [tuple(w[i : i + n]) for w in map(words, texts) for i in range(len(w) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0
