"""Generation written out by hand over the KV cache: what `model.generate()` does per token.

A causal model's keys and values for the tokens already seen never change, so after one forward
pass over the prompt each step feeds only the newest token together with the cache of the
earlier ones, instead of the whole sequence again (`projects/hf_pipelines.greedy_loop`). The next
token is chosen by `sampling.sample_next`: greedy at temperature 0, otherwise temperature and
top-p from a seeded generator. Greedy, it writes token for token what
`generate(do_sample=False)` writes (tests/week19/test_week19_kv_cache.py on a tiny random Llama;
the hf_pipelines project on SmolLM2). shared.llm's chat uses `generate()` itself.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator
from typing import Any

from week19_genai.sampling import check_sampling, sample_next


def cached_tokens(
    model: Any,
    prompt: list[int],
    max_new_tokens: int,
    stops: set[int],
    *,
    temperature: float = 0.0,
    top_p: float | None = None,
    seed: int = 0,
) -> Iterator[int]:
    """Yield the reply's token ids one forward pass at a time, until a stop id or the budget."""
    import torch

    check_sampling(temperature, None, top_p)
    if not prompt:
        raise ValueError("the prompt is empty: give at least one token")
    device = next(model.parameters()).device
    step_input = torch.tensor([prompt], device=device)
    generator = torch.Generator().manual_seed(seed)
    cache = None
    for _ in range(max_new_tokens):
        logits, cache = _forward(model, step_input, cache)
        token = int(sample_next(logits[None], temperature, None, top_p, generator)[0])
        if token in stops:
            return
        yield token
        step_input = torch.tensor([[token]], device=device)


def _forward(model: Any, input_ids: Any, cache: Any) -> tuple[Any, Any]:
    """Run the model on new tokens with the KV cache; return last-position logits and cache."""
    import torch

    keyword = _cache_keyword(type(model))
    with torch.inference_mode():
        out = model(input_ids=input_ids, use_cache=True, **{keyword: cache})
    return out.logits[0, -1].float().cpu(), out[keyword]


@functools.cache
def _cache_keyword(model_class: type) -> str:
    """Return the name of the KV-cache argument: transformers 5.24 renamed past_key_values."""
    parameters = inspect.signature(model_class.forward).parameters
    return "cache" if "cache" in parameters else "past_key_values"
