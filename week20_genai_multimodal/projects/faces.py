"""Project: the pretrained DCGAN face generator: a grid, the truncation trick, interpolation.

Truncation narrows the latent distribution: faces get more typical and cleaner, and less
varied. The run measures that trade-off as the mean pixel distance between faces drawn at each
truncation (diversity) and shows walks between two faces along the latent sphere.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shared.context import RunContext
from shared.devices import resolve_device
from shared.vision import plot_image_grid
from week20_genai_multimodal.dcgan import generate_faces, interpolate, load_generator

BARS: list = []
TRUNCATIONS = (None, 1.5, 1.0, 0.5)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    faces: int = 64  # faces drawn per truncation to measure diversity


FULL = Config()
FAST = Config(faces=8)


def diversity(faces: torch.Tensor) -> float:
    """Mean pixel distance (RMS) between all pairs of faces: how varied a batch is."""
    flat = faces.flatten(1)
    distances = torch.cdist(flat, flat) / flat.shape[1] ** 0.5
    n = len(flat)
    return float(distances.sum() / (n * (n - 1)))


def as_images(faces: torch.Tensor) -> list:
    """(N, 3, H, W) tensors in [0, 1] -> a list of (H, W, 3) arrays for plotting."""
    return list(faces.permute(0, 2, 3, 1).numpy())


def run(ctx: RunContext) -> dict[str, float]:
    """Draw a grid of faces, compare truncations, and interpolate between seeds."""
    config = FAST if ctx.fast else FULL
    generator = load_generator(ctx.dataset("dcgan_face_generator"), resolve_device(ctx.device))
    n = config.faces
    metrics = {}
    rows = []
    for t in TRUNCATIONS:
        faces = generate_faces(generator, n, seed=ctx.seed, truncation=t)
        metrics[f"diversity_truncation_{t or 'none'}"] = diversity(faces)
        rows += as_images(faces[:8])
    ctx.save_figure(
        plot_image_grid(as_images(generate_faces(generator, 32, seed=ctx.seed)), ncols=8),
        "grid",
        "32 faces from the DCGAN generator (seeded latents, no truncation)",
    )
    labels = ", ".join(str(t or "none") for t in TRUNCATIONS)
    ctx.save_figure(
        plot_image_grid(rows, ncols=8),
        "truncation",
        f"The same 8 seeds at truncation {labels} (one row each): lower is more typical",
    )
    walks = [interpolate(generator, ctx.seed + 2 * i, ctx.seed + 2 * i + 1, 8) for i in range(3)]
    ctx.save_figure(
        plot_image_grid(as_images(torch.cat(walks)), ncols=8),
        "interpolation",
        "Spherical interpolation between two latents per row: faces morph smoothly",
    )
    ctx.note(
        "The DCGAN generator (DigiFace1M faces, `gan-face-generate` 1.1.1 weights; the network "
        "is week 13's module with the package's layer names) draws 64x64 faces from 100-d "
        "Gaussian noise. Diversity (mean RMS pixel distance between faces) by truncation: "
        + ", ".join(f"{k.rsplit('_', 1)[-1]}: {v:.3f}" for k, v in metrics.items())
        + ". Truncation trades variety for typicality (Brock et al. 2019)."
    )
    return metrics
