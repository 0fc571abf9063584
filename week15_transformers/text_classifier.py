"""Fine-tuning a pretrained encoder for text classification, on the shared Trainer.

A pretrained BERT-style encoder (here all-MiniLM-L6-v2) gets a new, randomly initialised
classification head (`AutoModelForSequenceClassification`) and every weight is trained for one
epoch with AdamW and a linear warm-up/decay schedule. Batches are dicts (input_ids,
attention_mask, token_type_ids, labels) fed to `shared.training.model_loss_step`: the model
computes its own cross-entropy.

Two tricks keep this fast on a CPU, and neither changes the result:
- dynamic padding: each batch is padded to its own longest text, not to a fixed length
  (`DynamicPadding`);
- length grouping: training batches are drawn from pools of similar-length texts, in random
  order, so a batch rarely pads a short snippet to a long one (`LengthGroupedBatches`, as in
  Hugging Face's `group_by_length`).

The fine-tuned model is saved as a `save_pretrained` folder (weights, config with the label
names, tokenizer, and `fine_tuning.json` with the metrics and data it was trained on), written
beside its target and renamed into place, so a reader never sees half a model.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import platform
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

MAX_TOKENS = 128  # longer texts are truncated; every Rotten Tomatoes snippet and tweet fits
SIDECAR = "fine_tuning.json"
SAVED_WITH = ("torch", "transformers", "tokenizers")  # versions recorded beside the weights


class TextDataset(Dataset):
    """(text, label) pairs; tokenization happens per batch in `DynamicPadding`."""

    def __init__(self, texts: Sequence[str], labels: Sequence[int]) -> None:
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        self.texts, self.labels = list(texts), [int(y) for y in labels]

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> tuple[str, int]:
        return self.texts[i], self.labels[i]


@dataclass
class DynamicPadding:
    """Collate (text, label) pairs into a dict batch padded to the batch's longest text."""

    tokenizer: Any
    max_tokens: int = MAX_TOKENS

    def __call__(self, batch: list[tuple[str, int]]) -> dict[str, torch.Tensor]:
        texts, labels = zip(*batch, strict=True)
        encoded = self.tokenizer(
            list(texts),
            padding="longest",
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
        )
        return {**encoded, "labels": torch.tensor(labels)}


class LengthGroupedBatches(Sampler[list[int]]):
    """Shuffled batches of similar-length items: shuffle, sort within pools, shuffle batches."""

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        generator: torch.Generator,
        pool_batches: int = 50,
    ) -> None:
        self.lengths, self.batch_size = list(lengths), batch_size
        self.generator, self.pool = generator, batch_size * pool_batches

    def __iter__(self) -> Iterator[list[int]]:
        order = torch.randperm(len(self.lengths), generator=self.generator).tolist()
        batches = []
        for start in range(0, len(order), self.pool):
            pool = sorted(order[start : start + self.pool], key=self.lengths.__getitem__)
            batches += [pool[i : i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
        for k in torch.randperm(len(batches), generator=self.generator).tolist():
            yield batches[k]

    def __len__(self) -> int:
        n, pool = len(self.lengths), self.pool
        full, rest = divmod(n, pool)
        return full * math.ceil(pool / self.batch_size) + math.ceil(rest / self.batch_size)


def token_lengths(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Return each text's length in tokens (special tokens included, capped at MAX_TOKENS)."""
    ids = tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]
    return [len(row) for row in ids]


def train_loader(
    tokenizer: Any, texts: Sequence[str], labels: Sequence[int], batch_size: int, seed: int
) -> DataLoader:
    """Return the training DataLoader: length-grouped shuffled batches, dynamically padded."""
    batches = LengthGroupedBatches(
        token_lengths(tokenizer, texts), batch_size, torch.Generator().manual_seed(seed)
    )
    return DataLoader(
        TextDataset(texts, labels), batch_sampler=batches, collate_fn=DynamicPadding(tokenizer)
    )


def build_classifier(folder: Path, labels: Sequence[str]) -> tuple[Any, Any]:
    """Return (model, tokenizer): the pretrained encoder in `folder` with a new label head."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging

    from shared.hub import load_pretrained

    tokenizer = load_pretrained(AutoTokenizer, folder)
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()  # the "newly initialized classifier" notice is the point here
    try:
        model = load_pretrained(
            AutoModelForSequenceClassification,
            folder,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)},
        )
    finally:
        logging.set_verbosity(verbosity)
    return model, tokenizer


def linear_schedule(
    optimizer: torch.optim.Optimizer, total_steps: int, warmup: float = 0.1
) -> torch.optim.lr_scheduler.LambdaLR:
    """Return a scheduler that warms the learning rate up linearly, then decays it to zero."""
    warmup_steps = max(1, round(total_steps * warmup))

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


@dataclass(frozen=True)
class FineTuneConfig:
    """The recipe: the issue's feasibility run found 1 epoch, batch 32, lr 1e-4 enough."""

    epochs: int = 1
    batch_size: int = 32
    lr: float = 1e-4
    weight_decay: float = 0.01
    warmup: float = 0.1


def fine_tune(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    labels: Sequence[int],
    config: FineTuneConfig,
    *,
    device: str = "auto",
    seed: int = 0,
    desc: str = "fine-tune",
) -> list[dict[str, float]]:
    """Train every weight of `model` on the texts with the shared Trainer; return its history."""
    from shared.training import Trainer, model_loss_step

    loader = train_loader(tokenizer, texts, labels, config.batch_size, seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    trainer = Trainer(
        model,
        optimizer,
        step=model_loss_step,
        device=device,
        scheduler=linear_schedule(optimizer, config.epochs * len(loader), config.warmup),
        scheduler_step="batch",
        grad_clip=1.0,
        desc=desc,
    )
    return trainer.fit(loader, epochs=config.epochs)


@torch.inference_mode()
def predict_proba(
    model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 64
) -> np.ndarray:
    """Return an (n, classes) array of class probabilities, batching texts of similar length."""
    if isinstance(texts, str):
        raise TypeError("predict_proba takes a list of texts, not one string")
    if any(not isinstance(t, str) or not t.strip() for t in texts):
        raise ValueError("every text must be a non-empty string")
    model.eval()
    device = next(model.parameters()).device
    order = np.argsort(token_lengths(tokenizer, texts), kind="stable")
    collate = DynamicPadding(tokenizer)
    probs = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        index = order[start : start + batch_size]
        batch = collate([(texts[i], 0) for i in index])
        batch.pop("labels")
        logits = model(**{k: v.to(device) for k, v in batch.items()}).logits
        probs[index] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
    return probs


def save_classifier(model: Any, tokenizer: Any, folder: Path, info: dict) -> Path:
    """Save model + tokenizer + `info` (metrics, data) as one folder, swapped in atomically."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        versions = {name: importlib.metadata.version(name) for name in SAVED_WITH}
        sidecar = {**info, "versions": {"python": platform.python_version(), **versions}}
        (staging / SIDECAR).write_text(json.dumps(sidecar, indent=2) + "\n")
        old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def load_classifier(folder: Path, device: str = "cpu") -> tuple[Any, Any]:
    """Load a folder written by `save_classifier` (week 22's dashboard serves it)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from shared.devices import resolve_device
    from shared.hub import load_pretrained

    folder = Path(folder)
    if not (folder / SIDECAR).is_file():
        raise FileNotFoundError(
            f"{folder} is not a fine-tuned classifier folder (no {SIDECAR}): run "
            "`python -m week15_transformers --project finetune` first"
        )
    model = load_pretrained(AutoModelForSequenceClassification, folder)
    tokenizer = load_pretrained(AutoTokenizer, folder)
    return model.to(resolve_device(device)).eval(), tokenizer
