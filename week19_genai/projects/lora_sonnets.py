"""LoRA on SmolLM2 for Shakespeare's sonnet style: held-out perplexity before and after.

LoRA (Hu et al., 2021) freezes the pretrained weights and learns a low-rank update B·A
(rank 8) beside each attention and MLP projection: about 2.4M trainable parameters next to
the model's 135M. The sonnets (prosodic's corpus, public domain) are split by number: every
tenth sonnet is held out. Each sonnet follows a short fixed prompt that is context, not
target. Training uses the shared Trainer (`model_loss_step`: the model computes its own loss).
The adapter alone (a few MB) is saved with peft's `save_pretrained`, reloaded onto a fresh
copy of the base model, and must give the same logits and the same greedy text.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.llm import load_chat_model
from shared.report import markdown_table
from week19_genai.corpora import load_sonnets
from week19_genai.generation import generate_texts, pad_id
from week19_genai.lm_scoring import encode_pairs, labelled_batch, perplexity

# Issue 14's bars: held-out perplexity on the style drops >= 20% against the base model, and the
# reloaded adapter reproduces the trained one (float32 logits equal up to rounding). Both are
# about SmolLM2, which a fast run does not load: there they are listed as not applicable.
BARS = [
    Bar(
        "ppl_drop",
        ">=",
        0.2,
        "issue 14: held-out perplexity drops >= 20% vs the base model",
        data="smollm2_135m_instruct",
    ),
    Bar(
        "reload_max_abs_diff",
        "<=",
        1e-4,
        "issue 14: adapter saved and reloaded, same outputs",
        data="smollm2_135m_instruct",
    ),
]
PROMPT = "A sonnet by William Shakespeare:\n\n"
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
TRAIN_SONNETS = 64
BATCH_SIZE = 4
LEARNING_RATE = 1e-3
HELD_OUT_EVERY = 10
ADAPTER = "sonnet_lora"
OPENING = "Shall I compare thee"


def split_sonnets(poems: list[str]) -> tuple[list[str], list[str]]:
    """Return (training, held-out) sonnets: every HELD_OUT_EVERY-th one is held out."""
    held = [p for i, p in enumerate(poems) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1]
    train = [p for i, p in enumerate(poems) if i % HELD_OUT_EVERY != HELD_OUT_EVERY - 1]
    return train, held


def add_lora(base: Any, rank: int = 8, target_modules: tuple[str, ...] = TARGET_MODULES) -> Any:
    """Return a LoRA-wrapped copy of `base` (the cached base model stays untouched)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        lora_dropout=0.05,
        target_modules=list(target_modules),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(copy.deepcopy(base), config)


def save_adapter(model: Any, folder: Path) -> Path:
    """Save the adapter into `folder`, whole or not at all (written beside it, then renamed)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        model.save_pretrained(staging)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def load_adapter(base: Any, folder: Path) -> Any:
    """Return a fresh copy of `base` with the saved adapter of `folder` on it, for inference."""
    from peft import PeftModel

    if not (folder / "adapter_config.json").is_file():
        raise FileNotFoundError(f"{folder} holds no adapter_config.json: train the adapter first")
    return PeftModel.from_pretrained(copy.deepcopy(base), str(folder)).eval()


def batches(tokenizer: Any, sonnets: list[str], batch_size: int, shuffle: bool, seed: int):
    """Return a DataLoader of labelled batches: PROMPT as context, the sonnet as target."""
    import torch
    from torch.utils.data import DataLoader

    pairs = encode_pairs(tokenizer, [PROMPT] * len(sonnets), sonnets)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        pairs,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator,
        collate_fn=lambda chunk: labelled_batch(chunk, pad_id(tokenizer)),
    )


def max_logit_difference(a: Any, b: Any, batch: dict) -> float:
    """Return the largest absolute difference between two models' logits on one batch."""
    import torch

    device = next(a.parameters()).device
    inputs = {k: batch[k].to(device) for k in ("input_ids", "attention_mask")}
    with torch.inference_mode():
        return float((a(**inputs).logits - b(**inputs).logits).abs().max())


def run(ctx: RunContext) -> dict[str, float]:
    """Score the base model, train the LoRA adapter, score it, save, reload and compare."""
    if ctx.fast:
        ctx.info["smollm2"] = (
            "skipped in the fast run: loading SmolLM2 takes longer than a smoke test"
        )
        return {}
    import torch

    from shared.training import Trainer, model_loss_step

    device = resolve_device(ctx.device)
    base, tokenizer = load_chat_model(ctx.dataset("smollm2_135m_instruct"), device)
    train, held = split_sonnets(load_sonnets(ctx.dataset("shakespeare_sonnets")))
    held_pairs = encode_pairs(tokenizer, [PROMPT] * len(held), held)
    base_ppl = perplexity(base, held_pairs, pad_id(tokenizer))
    ctx.log(f"base model: held-out perplexity {base_ppl:.2f} on {len(held)} sonnets")

    torch.manual_seed(ctx.seed)
    model = add_lora(base)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=LEARNING_RATE
    )
    trainer = Trainer(
        model,
        optimizer,
        step=model_loss_step,
        device=device,
        metrics={},
        grad_clip=1.0,
        desc="lora",
    )
    history = trainer.fit(
        batches(tokenizer, train[:TRAIN_SONNETS], BATCH_SIZE, True, ctx.seed), epochs=1
    )
    model.eval()
    lora_ppl = perplexity(model, held_pairs, pad_id(tokenizer))
    ctx.log(f"LoRA: held-out perplexity {lora_ppl:.2f}")

    folder = save_adapter(model, ctx.models_dir / ADAPTER)
    reloaded = load_adapter(base, folder)
    probe = labelled_batch(held_pairs[:2], pad_id(tokenizer))
    diff = max_logit_difference(model, reloaded, probe)
    texts = {
        name: generate_texts(m, tokenizer, [PROMPT + OPENING], 48, do_sample=False)[0][0]
        for name, m in (("base", base), ("LoRA", model), ("LoRA reloaded", reloaded))
    }
    size = sum(f.stat().st_size for f in folder.iterdir())
    ctx.note(
        f"Rank-8 LoRA on {', '.join(TARGET_MODULES)}: {trainable:,} trainable parameters; "
        f"{min(TRAIN_SONNETS, len(train))} training sonnets, batch {BATCH_SIZE}, AdamW {LEARNING_RATE}, one "
        f"epoch in {history[-1]['seconds']:.0f} s; {len(held)} held-out sonnets. Adapter: "
        f"`models/{ADAPTER}/` ({size / 1e6:.1f} MB); reloaded logits differ by at most {diff:.2e}.\n\n"
        + markdown_table(
            ["model", "held-out perplexity"],
            [["SmolLM2 base", f"{base_ppl:.2f}"], ["+ LoRA", f"{lora_ppl:.2f}"]],
        )
    )
    ctx.note(
        f"Greedy continuations of `{OPENING}`:\n\n"
        + "\n\n".join(
            f"**{name}**\n\n```text\n{OPENING}{text}\n```" for name, text in texts.items()
        )
    )
    return {
        "base_ppl": base_ppl,
        "lora_ppl": lora_ppl,
        "ppl_drop": 1 - lora_ppl / base_ppl,
        "reload_max_abs_diff": diff,
        "reload_same_text": float(texts["LoRA"] == texts["LoRA reloaded"]),
        "trainable_parameters": trainable,
    }
