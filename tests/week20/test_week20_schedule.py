"""The from-scratch noise schedule and DDIM step against diffusers' DDPM and DDIM schedulers."""

from __future__ import annotations

import pytest
import torch

from week20_genai_multimodal.schedule import NoiseSchedule

diffusers = pytest.importorskip("diffusers")


def test_betas_and_alphas_match_ddpm_scheduler() -> None:
    ours, theirs = NoiseSchedule(), diffusers.DDPMScheduler(num_train_timesteps=1000)
    assert torch.allclose(ours.betas().float(), theirs.betas, atol=1e-7)
    assert torch.allclose(ours.alphas_cumprod().float(), theirs.alphas_cumprod, atol=1e-6)


def test_add_noise_matches_ddpm_scheduler() -> None:
    g = torch.Generator().manual_seed(0)
    x0, noise = torch.randn(6, 1, 8, 8, generator=g), torch.randn(6, 1, 8, 8, generator=g)
    t = torch.tensor([0, 1, 10, 500, 998, 999])
    theirs = diffusers.DDPMScheduler(num_train_timesteps=1000).add_noise(x0, noise, t)
    assert torch.allclose(NoiseSchedule().add_noise(x0, noise, t), theirs, atol=1e-5)


@pytest.mark.parametrize("steps", [10, 25, 50])
def test_ddim_timesteps_and_step_match_ddim_scheduler(steps: int) -> None:
    ours = NoiseSchedule()
    theirs = diffusers.DDIMScheduler(
        num_train_timesteps=1000, timestep_spacing="trailing", clip_sample=True
    )
    theirs.set_timesteps(steps)
    assert ours.ddim_timesteps(steps) == theirs.timesteps.tolist()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 1, 8, 8, generator=g)
    timesteps = ours.ddim_timesteps(steps)
    for t, t_prev in zip(timesteps, [*timesteps[1:], -1], strict=True):
        eps = torch.randn(x.shape, generator=g)
        expected = theirs.step(eps, t, x, eta=0.0).prev_sample
        x = ours.ddim_step(eps, t, t_prev, x)
        assert torch.allclose(x, expected, atol=1e-4), t


def test_ddim_steps_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="DDIM steps"):
        NoiseSchedule().ddim_timesteps(0)
