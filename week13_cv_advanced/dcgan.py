"""The pretrained DCGAN face generator (DigiFace1M): 100-d noise in, a 64x64 RGB face out.

The registry's checkpoint holds `netG_state_dict` for the PyTorch DCGAN tutorial's generator
(Radford et al. 2015). The module below has the same layer names (`main.0` ... `main.13`), so the
state dict loads as it is; the source package is never imported.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import torch
from torch import nn

LATENT = 100


class Generator(nn.Module):
    """DCGAN generator: transposed convolutions 1 -> 4 -> 8 -> 16 -> 32 -> 64 pixels, tanh out."""

    def __init__(self, latent: int = LATENT, width: int = 64, channels: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        sizes = [latent, width * 8, width * 4, width * 2, width]
        for i, (cin, cout) in enumerate(itertools.pairwise(sizes)):
            stride, pad = (1, 0) if i == 0 else (2, 1)
            layers += [nn.ConvTranspose2d(cin, cout, 4, stride, pad, bias=False)]
            layers += [nn.BatchNorm2d(cout), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map (N, latent, 1, 1) noise to (N, 3, 64, 64) images in [-1, 1]."""
        return self.main(z)


def load_generator(weights: Path) -> Generator:
    """Build the generator and load the registry checkpoint's `netG_state_dict` (eval mode)."""
    state = torch.load(weights, map_location="cpu", weights_only=True)
    if "netG_state_dict" not in state:
        raise ValueError(f"{weights.name} holds no netG_state_dict; keys: {sorted(state)}")
    model = Generator()
    model.load_state_dict(state["netG_state_dict"])
    return model.eval()


@torch.inference_mode()
def generate_faces(model: Generator, n: int, seed: int) -> np.ndarray:
    """Return `n` generated faces as (n, 64, 64, 3) uint8 RGB, repeatable for a given seed."""
    z = torch.randn(n, LATENT, 1, 1, generator=torch.Generator().manual_seed(seed))
    images = model(z).add(1).mul(127.5).clamp(0, 255).round()
    return images.permute(0, 2, 3, 1).to(torch.uint8).numpy()
