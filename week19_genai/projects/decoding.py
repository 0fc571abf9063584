"""Decoding strategies compared: greedy, beam, temperature, top-k, top-p, repetition penalty.

SmolLM2-135M-Instruct continues the same story prompts under each strategy (transformers'
`generate`, one batched call per strategy, sampling seeded). Each strategy's texts are scored
by their perplexity under the model itself (how likely the model finds what it wrote: greedy
and beam search are the most likely, by construction) and by distinct-2 (how varied: greedy
and beam search tend to loop). Sampling trades likelihood for variety; top-k and top-p cut the
unlikely tail that makes pure sampling wander; a repetition penalty breaks greedy's loops.
"""

from __future__ import annotations

import re

from shared.context import RunContext
from shared.devices import resolve_device
from shared.llm import load_chat_model
from shared.plotting import label, subplots
from shared.report import markdown_table
from week19_genai.generation import chat_prefix, generate_texts, pad_id
from week19_genai.lm_scoring import distinct_n, perplexity

PROMPTS = [
    "Write the opening of a short story about a lighthouse keeper who finds a message in a bottle.",
    "Write the opening of a short story about a robot learning to bake bread.",
    "Write the opening of a short story about two friends lost in a snowy forest.",
    "Write the opening of a short story about a cat who runs a bookshop.",
]
STRATEGIES = {
    "greedy": {"do_sample": False},
    "beam (4)": {"do_sample": False, "num_beams": 4},
    "temperature 0.7": {"do_sample": True, "temperature": 0.7, "top_k": 0},
    "pure sampling (T=1)": {"do_sample": True, "temperature": 1.0, "top_k": 0},
    "top-k 40": {"do_sample": True, "temperature": 1.0, "top_k": 40},
    "top-p 0.9": {"do_sample": True, "temperature": 1.0, "top_p": 0.9, "top_k": 0},
    "greedy + repetition penalty 1.3": {"do_sample": False, "repetition_penalty": 1.3},
}
NEW_TOKENS = 64


def slug(name: str) -> str:
    """Return a metric-friendly name for a strategy, e.g. `top_p_0_9`."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def run(ctx: RunContext) -> dict[str, float]:
    """Generate under every strategy and score each by perplexity and distinct-2."""
    if ctx.fast:
        ctx.info["smollm2"] = (
            "skipped in the fast run: loading SmolLM2 takes longer than a smoke test"
        )
        return {}
    import torch

    model, tokenizer = load_chat_model(
        ctx.dataset("smollm2_135m_instruct"), resolve_device(ctx.device)
    )
    prefixes = [chat_prefix(tokenizer, p) for p in PROMPTS]
    rows, metrics, examples = [], {}, []
    for name, options in STRATEGIES.items():
        torch.manual_seed(ctx.seed)
        texts, ids = generate_texts(model, tokenizer, prefixes, NEW_TOKENS, **options)
        prompt_ids = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prefixes]
        ppl = perplexity(model, list(zip(prompt_ids, ids, strict=True)), pad_id(tokenizer))
        d2 = distinct_n(texts, 2)
        rows.append([name, f"{ppl:.2f}", f"{d2:.3f}", f"{sum(map(len, ids)) / len(ids):.0f}"])
        metrics[f"{slug(name)}_ppl"] = ppl
        metrics[f"{slug(name)}_distinct2"] = d2
        examples.append((name, texts[0]))
        ctx.log(f"{name}: perplexity {ppl:.2f}, distinct-2 {d2:.3f}")
    ctx.note(
        f"{len(PROMPTS)} prompts, up to {NEW_TOKENS} new tokens each, seed {ctx.seed}; perplexity "
        "of the generated tokens under SmolLM2 itself (lower = more likely to the model), "
        "distinct-2 over the words of all four texts (higher = more varied).\n\n"
        + markdown_table(["strategy", "perplexity", "distinct-2", "tokens / text"], rows)
    )
    ctx.note(
        f"The first prompt (*{PROMPTS[0]}*) under each strategy:\n\n"
        + "\n\n".join(f"**{name}**\n\n> {' '.join(text.split())}" for name, text in examples)
    )
    fig, ax = subplots(width=7, height=4.5)
    for row in rows:
        ax.scatter(float(row[1]), float(row[2]))
        ax.annotate(
            row[0],
            (float(row[1]), float(row[2])),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xscale("log")
    label(
        ax,
        "Likelihood vs variety per decoding strategy",
        "perplexity under the model (log)",
        "distinct-2",
    )
    ctx.save_figure(
        fig, "strategies", "Each strategy's texts: perplexity under SmolLM2 against distinct-2."
    )
    return metrics
