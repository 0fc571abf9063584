"""Week 10's Fashion-MNIST CNN as the judge of generated images: class accuracy and FID.

The roadmap's FID uses Inception-v3 features (Heusel et al. 2017); Inception is in no package
registry and knows no clothing, so here the feature extractor is week 10's own network: its
256-unit hidden layer plays the role of Inception's pool layer. Numbers are comparable only with
other FIDs computed the same way (same network, same reference images).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from scipy import linalg
from torch import nn
from torch.utils.data import DataLoader

from shared import upstream
from shared.classifier import one_cycle_trainer
from shared.context import RunContext
from shared.devices import resolve_device
from shared.vision import ImageSplits, channel_stats
from week10_cnn.images import VALIDATION, image_datasets
from week10_cnn.recipes import RECIPES, build_model

WEEK10_MODEL = "week10.cnn"  # week 10's saved Fashion-MNIST CNN, in shared.upstream's table


@dataclass(frozen=True)
class Config:
    """The retrained judge's sizes (week 10's model not on disk): FULL, and FAST for smoke runs."""

    epochs: int = 3  # week 10's recipe, fewer epochs
    train_images: int | None = None  # (None: all but week 10's validation images)
    val_images: int = VALIDATION


FULL = Config()
FAST = Config(epochs=1, train_images=500, val_images=200)


@dataclass
class Judge:
    """A trained Fashion-MNIST classifier and the input scaling it was trained with."""

    model: nn.Module
    mean: float
    std: float
    source: str

    def _inputs(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 1, 28, 28) images in [0, 1] -> standardised, on the model's device."""
        device = next(self.model.parameters()).device
        return ((images - self.mean) / self.std).to(device)

    @torch.inference_mode()
    def predict(self, images: torch.Tensor, batch: int = 500) -> np.ndarray:
        """The predicted class of each (N, 1, 28, 28) image in [0, 1]."""
        self.model.eval()
        return np.concatenate(
            [
                self.model(self._inputs(images[i : i + batch])).argmax(1).cpu().numpy()
                for i in range(0, len(images), batch)
            ]
        )

    @torch.inference_mode()
    def features(self, images: torch.Tensor, batch: int = 500) -> np.ndarray:
        """The hidden-layer activations (N, 256): the "perceptual" space FID compares in."""
        self.model.eval()
        hidden = self.model.head[:-2]  # pooling, flatten, dropout, linear, ReLU
        parts = [
            hidden(self.model.features(self._inputs(images[i : i + batch]))).cpu().numpy()
            for i in range(0, len(images), batch)
        ]
        return np.concatenate(parts).astype(np.float64)


def week10_network() -> nn.Module:
    """Week 10's Fashion-MNIST CNN, untrained."""
    return build_model(RECIPES["fashion_mnist"], channels=1, n_classes=10)


def load_week10(path: Path, data: ImageSplits, device: str) -> Judge:
    """Load week 10's saved Trainer checkpoint (its best weights) as a Judge."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = week10_network()
    model.load_state_dict(state["best_weights"] or state["model"])
    mean, std = channel_stats(data.x_train[: len(data.x_train) - VALIDATION])
    return Judge(model.to(device).eval(), mean[0], std[0], f"week 10's model ({path})")


def train_week10(ctx: RunContext, data: ImageSplits) -> Judge:
    """Train week 10's network with week 10's recipe for a few epochs (week 10 not run yet)."""
    config = FAST if ctx.fast else FULL
    recipe = replace(RECIPES["fashion_mnist"], epochs=config.epochs)
    n_train = config.train_images or len(data.x_train) - VALIDATION
    n_val = config.val_images
    train, val, _ = image_datasets(data, n_train, n_val, None)
    loader = DataLoader(
        train,
        batch_size=recipe.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(ctx.seed),
    )
    model = week10_network()
    opt = torch.optim.AdamW(model.parameters(), lr=recipe.max_lr, weight_decay=5e-4)
    trainer = one_cycle_trainer(
        ctx,
        model,
        opt,
        max_lr=recipe.max_lr,
        epochs=recipe.epochs,
        steps_per_epoch=len(loader),
        name="judge_cnn_fashion_mnist",
    )
    trainer.fit(loader, DataLoader(val, batch_size=1000), epochs=recipe.epochs)
    mean, std = channel_stats(data.x_train[:n_train])
    source = f"week 10's recipe retrained here for {recipe.epochs} epoch(s) on {n_train:,} images"
    return Judge(trainer.model.eval(), mean[0], std[0], source)


def get_judge(ctx: RunContext, data: ImageSplits) -> Judge:
    """Week 10's trained model when `make week10` has saved it, else week 10's recipe, retrained."""
    if upstream.exists(WEEK10_MODEL) and not ctx.fast:
        return load_week10(upstream.path(WEEK10_MODEL), data, resolve_device(ctx.device))
    return train_week10(ctx, data)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (N, D): FID's formula.

    ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)).
    """
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ridge = 1e-6 * np.eye(len(cov_a))  # keeps the product invertible when N < D
    root = np.real(linalg.sqrtm((cov_a + ridge) @ (cov_b + ridge)))
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def noise_and_blur(reference: torch.Tensor, n: int, seed: int, sigma: float = 2.0) -> torch.Tensor:
    """The baseline "generator": Gaussian noise, blurred, scaled to the reference pixel statistics.

    It reproduces the average brightness and contrast of every pixel of the real images (so the
    blobs sit where garments sit) and nothing of their shapes: a model must beat it to have
    learned anything.
    """
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(n, 1, *reference.shape[-2:], generator=g)
    radius = int(3 * sigma)
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-(x**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    blurred = torch.nn.functional.conv2d(noise, kernel.reshape(1, 1, 1, -1), padding=(0, radius))
    blurred = torch.nn.functional.conv2d(blurred, kernel.reshape(1, 1, -1, 1), padding=(radius, 0))
    blurred = (blurred - blurred.mean(0)) / blurred.std(0)
    return (reference.mean(0) + blurred * reference.std(0)).clamp(0, 1)
