"""The diffusion noise schedule, the forward (noising) process and the DDIM update, from scratch.

DDPM (Ho et al. 2020) adds Gaussian noise over T steps with a linear beta schedule; a network
learns to predict the noise. DDIM (Song et al. 2021) samples from the same trained network in
far fewer, deterministic steps. tests/week20 checks both against diffusers' schedulers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch


@dataclass(frozen=True)
class NoiseSchedule:
    """A linear beta schedule over `steps` training timesteps (DDPM's defaults)."""

    steps: int = 1000
    beta_start: float = 1e-4
    beta_end: float = 0.02

    def betas(self) -> torch.Tensor:
        """The per-step noise variances beta_t, t = 0 .. steps-1 (float64 for exactness)."""
        return torch.linspace(self.beta_start, self.beta_end, self.steps, dtype=torch.float64)

    def alphas_cumprod(self) -> torch.Tensor:
        """alpha-bar_t = prod_{s<=t} (1 - beta_s): how much of the image survives to step t."""
        return torch.cumprod(1.0 - self.betas(), dim=0)

    def snr(self) -> torch.Tensor:
        """Signal-to-noise ratio alpha-bar_t / (1 - alpha-bar_t) of each timestep."""
        abar = self.alphas_cumprod()
        return abar / (1.0 - abar)

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Sample q(x_t | x_0) = sqrt(abar_t) x_0 + sqrt(1 - abar_t) noise, per batch element."""
        abar = self.alphas_cumprod().to(x0.device)[t.to(x0.device)].to(x0.dtype)
        abar = abar.reshape(-1, *([1] * (x0.dim() - 1)))
        return abar.sqrt() * x0 + (1.0 - abar).sqrt() * noise

    def ddim_timesteps(self, n: int) -> list[int]:
        """`n` sampling timesteps from steps-1 down, evenly spaced ("trailing", Lin et al. 2024).

        Starting at the last training step means sampling starts from pure noise, as training saw.
        """
        if not 1 <= n <= self.steps:
            raise ValueError(f"DDIM steps must be in 1 .. {self.steps}, not {n}")
        ratio = self.steps / n
        return [round(self.steps - i * ratio) - 1 for i in range(n)]

    def ddim_step(
        self, eps: torch.Tensor, t: int, t_prev: int, x_t: torch.Tensor, clip: float = 1.0
    ) -> torch.Tensor:
        """One deterministic DDIM step (eta = 0) from timestep t to t_prev (-1: the clean image).

        Predict the clean image from the noise estimate, clip it to the data range, and move it
        back to t_prev's noise level along the same noise direction.
        """
        abar = self.alphas_cumprod()
        a_t = float(abar[t])
        a_prev = float(abar[t_prev]) if t_prev >= 0 else 1.0
        x0 = ((x_t - (1 - a_t) ** 0.5 * eps) / a_t**0.5).clamp(-clip, clip)
        return a_prev**0.5 * x0 + (1 - a_prev) ** 0.5 * eps

    def to_dict(self) -> dict[str, float]:
        """The schedule's parameters, for the saved model's config."""
        return asdict(self)
