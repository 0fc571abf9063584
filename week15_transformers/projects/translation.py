"""Sequence to sequence: a Transformer translates numbers from English words to French words.

An encoder-decoder nn.Transformer (seq2seq.py) is trained from scratch with teacher forcing on
numbers that num2words writes in both languages (numbers_data.py), then decodes held-out numbers
it never saw, greedily and with beam search. A translation counts only when every token is
right (exact match); token accuracy and the errors it makes are reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.report import markdown_table
from shared.training import Trainer
from week15_transformers.numbers_data import NumberSplits, english, french, pairs
from week15_transformers.seq2seq import (
    BOS,
    EOS,
    PAD,
    Seq2SeqConfig,
    Seq2SeqTransformer,
    Vocab,
    beam_decode,
    greedy_decode,
)

# Issue 11: exact match >= 0.95 on held-out numbers never seen in training.
BARS = [Bar("greedy_exact_match", ">=", 0.95, "issue 11: held-out exact match 0.95")]
BEAM = 4


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    train_pairs: int
    test_pairs: int
    epochs: int
    model: Seq2SeqConfig
    beam_count: int  # held-out numbers also decoded by beam search


# 4 epochs: greedy exact match 0.987 / 0.988 / 0.985 on seeds 0 / 1 / 2 (2026-12-07); 12 epochs
# gave 0.9965 in three times the training time, which took week 15 past its 15 minutes in fp32.
FULL = Config(train_pairs=20000, test_pairs=2000, epochs=4, model=Seq2SeqConfig(), beam_count=500)
FAST = Config(
    train_pairs=320,
    test_pairs=50,
    epochs=1,
    model=Seq2SeqConfig(d_model=64, feedforward=128, encoder_layers=2, decoder_layers=2),
    beam_count=10,
)


def pad(rows: list[list[int]]) -> torch.Tensor:
    """Stack id lists into a (B, T) tensor, right-padded with PAD."""
    out = torch.full((len(rows), max(len(r) for r in rows)), PAD, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row)
    return out


def collate(
    batch: list[tuple[list[int], list[int]]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (source, decoder input BOS+y, decoder target y+EOS) for teacher forcing."""
    sources, targets = zip(*batch, strict=True)
    return pad(list(sources)), pad([[BOS, *t] for t in targets]), pad([[*t, EOS] for t in targets])


def teacher_forcing_step(label_smoothing: float):
    """Return the Trainer step: cross-entropy of every next-token prediction, PAD ignored."""
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=label_smoothing)

    def step(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        source, target_in, target_out = batch
        logits = model(source, target_in)
        return loss_fn(logits.flatten(0, 1), target_out.flatten()), logits, target_out

    return step


def translate(
    model: Seq2SeqTransformer, sources: list[list[int]], device: str, max_len: int, batch: int = 256
) -> list[list[int]]:
    """Greedy-decode many sources in batches."""
    out = []
    for start in range(0, len(sources), batch):
        out += greedy_decode(model, pad(sources[start : start + batch]).to(device), max_len)
    return out


def token_accuracy(predicted: list[list[int]], expected: list[list[int]]) -> float:
    """Return the share of expected tokens predicted right at their position."""
    right = sum(
        sum(a == b for a, b in zip(p, e, strict=False))
        for p, e in zip(predicted, expected, strict=True)
    )
    return right / sum(len(e) for e in expected)


def run(ctx: RunContext) -> dict[str, float]:
    """Train the Transformer on English -> French numbers and decode unseen ones."""
    device = resolve_device(ctx.device)
    config = FAST if ctx.fast else FULL
    epochs = config.epochs
    splits = NumberSplits.make(config.train_pairs, config.test_pairs, ctx.seed)
    train_pairs, test_pairs = pairs(splits.train), pairs(splits.test)
    source_vocab = Vocab(t for s, _ in train_pairs for t in s)
    target_vocab = Vocab(t for _, t in train_pairs for t in t)
    encoded = [(source_vocab.encode(s), target_vocab.encode(t)) for s, t in train_pairs]
    model = Seq2SeqTransformer(len(source_vocab), len(target_vocab), config.model)

    generator = torch.Generator().manual_seed(ctx.seed)
    loader = DataLoader(
        encoded, batch_size=64, shuffle=True, collate_fn=collate, generator=generator
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=1e-3, total_steps=epochs * len(loader), pct_start=0.1
    )
    trainer = Trainer(
        model,
        optimizer,
        step=teacher_forcing_step(label_smoothing=0.1),
        device=device,
        metrics={},
        scheduler=scheduler,
        scheduler_step="batch",
        grad_clip=1.0,
        desc="translation",
    )
    ctx.log(f"{len(train_pairs):,} training pairs, {len(test_pairs):,} held-out; {epochs} epochs")
    history = trainer.fit(loader, epochs=epochs)

    sources = [source_vocab.encode(s) for s, _ in test_pairs]
    expected = [target_vocab.encode(t) for _, t in test_pairs]
    max_len = max(len(e) for e in expected) + 5
    greedy = translate(model, sources, device, max_len)
    beam_count = min(len(sources), config.beam_count)
    beam = [beam_decode(model, pad([s]).to(device), max_len, BEAM) for s in sources[:beam_count]]

    greedy_right = [p == e for p, e in zip(greedy, expected, strict=True)]
    metrics = {
        "train_pairs": float(len(train_pairs)),
        "test_pairs": float(len(test_pairs)),
        "final_train_loss": history[-1]["loss"],
        "greedy_exact_match": float(np.mean(greedy_right)),
        "greedy_token_accuracy": token_accuracy(greedy, expected),
        "beam_exact_match": float(np.mean([p == e for p, e in zip(beam, expected, strict=False)])),
        "greedy_exact_match_on_beam_subset": float(np.mean(greedy_right[:beam_count])),
        "train_seconds": float(sum(row["seconds"] for row in history)),
    }
    errors = [
        [n, english(n), french(n), " ".join(target_vocab.decode(p))]
        for n, p, ok in zip(splits.test, greedy, greedy_right, strict=True)
        if not ok
    ][:8]
    samples = [
        [n, english(n), " ".join(target_vocab.decode(p))]
        for n, p in zip(splits.test[:5], greedy[:5], strict=True)
    ]
    ctx.note(
        f"Trained {sum(p.numel() for p in model.parameters()):,} parameters for {epochs} epochs "
        f"on {len(train_pairs):,} numbers; decoded {len(test_pairs):,} numbers never seen in "
        f"training. Beam search (width {BEAM}) ran on the first {beam_count}.\n\n"
        + markdown_table(["number", "English (input)", "model's French"], samples)
        + "\n\n"
        + (
            "Greedy errors (first 8):\n\n"
            + markdown_table(["number", "English", "French (num2words)", "model"], errors)
            if errors
            else "No greedy errors."
        )
    )
    return metrics
