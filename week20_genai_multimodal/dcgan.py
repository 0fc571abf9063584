"""The pretrained DCGAN face generator, as week 20 drives it: seeds, truncation, interpolation.

The network itself is week 13's `Generator` (the PyTorch DCGAN tutorial's generator with the
`gan-face-generate` package's layer names `main.0` ... `main.13`, so the registry checkpoint
`dcgan_face_generator` loads strictly); this module adds what a generative-model lesson needs:
latents drawn from a seed, the truncation trick, and interpolation between two latents.
"""

from __future__ import annotations

from pathlib import Path

import torch

from week13_cv_advanced.dcgan import LATENT, Generator
from week13_cv_advanced.dcgan import load_generator as _load_cpu

__all__ = ["LATENT", "Generator", "generate_faces", "load_generator", "sample_latents"]


def load_generator(path: Path, device: str = "cpu") -> Generator:
    """Load the checkpoint (weights only, strict state dict) onto `device`, in eval mode."""
    return _load_cpu(Path(path)).to(device).eval()


def sample_latents(n: int, seed: int, truncation: float | None = None) -> torch.Tensor:
    """Draw (n, LATENT, 1, 1) standard-normal latents from `seed`, on the CPU so any device agrees.

    With `truncation` t, every component with |z| > t is redrawn until it falls inside: the
    truncation trick (Brock et al. 2019, BigGAN) trades variety for typical, cleaner samples.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    if truncation is not None and truncation <= 0:
        raise ValueError(f"truncation must be positive (or None for none), not {truncation}")
    rng = torch.Generator().manual_seed(seed)
    z = torch.randn(n, LATENT, 1, 1, generator=rng)
    if truncation is None:
        return z
    outside = z.abs() > truncation
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=rng)
        outside = z.abs() > truncation
    return z


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between latents: stays on the shell where Gaussian samples live."""
    cos = torch.sum(a * b) / (a.norm() * b.norm())
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if omega.abs() < 1e-6:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


@torch.inference_mode()
def decode(generator: Generator, z: torch.Tensor) -> torch.Tensor:
    """Run latents through the generator; return (n, 3, 64, 64) images in [0, 1] on the CPU."""
    device = next(generator.parameters()).device
    return generator(z.to(device)).add(1).div(2).clamp(0, 1).cpu()


def generate_faces(
    generator: Generator, n: int, seed: int, truncation: float | None = None
) -> torch.Tensor:
    """Generate `n` faces, (n, 3, 64, 64) in [0, 1], the same for the same (seed, truncation)."""
    return decode(generator, sample_latents(n, seed, truncation))


def interpolate(generator: Generator, seed_a: int, seed_b: int, steps: int) -> torch.Tensor:
    """Faces along the spherical path between the latents of two seeds, (steps, 3, 64, 64)."""
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps, not {steps}")
    a, b = sample_latents(1, seed_a)[0], sample_latents(1, seed_b)[0]
    z = torch.stack([slerp(a, b, i / (steps - 1)) for i in range(steps)])
    return decode(generator, z)
