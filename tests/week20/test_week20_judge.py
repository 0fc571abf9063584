"""FID's Frechet distance against closed forms; the noise-and-blur baseline's statistics."""

from __future__ import annotations

import numpy as np
import torch

from week20_genai_multimodal.judge import frechet_distance, noise_and_blur


def test_frechet_distance_matches_the_gaussian_closed_form() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, (20000, 2))
    b = rng.normal([3.0, 0.0], [2.0, 1.0], (20000, 2))
    # independent coordinates: sum over dims of (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2
    assert abs(frechet_distance(a, b) - (9.0 + 1.0)) < 0.15
    assert frechet_distance(a, a) < 1e-6


def test_noise_and_blur_matches_the_reference_pixel_statistics() -> None:
    g = torch.Generator().manual_seed(0)
    reference = torch.rand(500, 1, 28, 28, generator=g) * torch.linspace(0, 1, 28)
    fake = noise_and_blur(reference, 500, seed=0)
    assert fake.shape == (500, 1, 28, 28)
    assert torch.allclose(fake.mean(0), reference.mean(0), atol=0.06)
    assert torch.equal(fake, noise_and_blur(reference, 500, seed=0))
