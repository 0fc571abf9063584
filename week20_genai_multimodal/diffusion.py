"""A class-conditional diffusion model: diffusers' UNet2DModel, trained with DDPM, sampled with DDIM.

The UNet is small and attention-free (28x28 Fashion-MNIST: 28 -> 14 -> 7 pixels) so that a CPU
does thousands of training steps in minutes: steps per minute, not parameters, is what makes
the samples recognisable in a short run. The class enters as a learned embedding added to the
timestep embedding; one extra "null" class, used for 10% of the training images, gives the
unconditional model classifier-free guidance needs (Ho & Salimans 2022).
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from shared.artifacts import library_versions
from week20_genai_multimodal.prompts import colourise, parse_prompt
from week20_genai_multimodal.schedule import NoiseSchedule

WEIGHTS = "diffusion_pytorch_model.safetensors"
PIPELINE = "pipeline.json"


@dataclass(frozen=True)
class UNetConfig:
    """The UNet's shape: channels per resolution, ResNet layers per block, image size."""

    channels: tuple[int, ...] = (16, 32, 64)
    layers_per_block: int = 1
    image_size: int = 28
    n_classes: int = 10
    groups: int = 8


# The UNet shapes the text_to_image lesson trains, by `fast`: week 23 draws with the small one
# when it has no trained model.
# The smallest UNet that runs end to end: fast runs, and week 23's untrained stand-in.
SMOKE_UNET = UNetConfig(channels=(8, 16, 16), groups=4)
GUIDANCE = 3.0  # the guidance of a model saved without a validation sweep (a fast run)


@dataclass(frozen=True)
class TrainConfig:
    """How the model is trained: steps, batch, AdamW's peak learning rate, guidance dropout."""

    steps: int = 1200
    batch_size: int = 64
    lr: float = 2e-3
    label_dropout: float = 0.1
    ema_decay: float = 0.995
    min_snr_gamma: float = 5.0


def build_unet(config: UNetConfig) -> nn.Module:
    """An attention-free diffusers UNet2DModel taking one grey channel and a class label."""
    from diffusers import UNet2DModel

    levels = len(config.channels)
    return UNet2DModel(
        sample_size=config.image_size,
        in_channels=1,
        out_channels=1,
        block_out_channels=config.channels,
        down_block_types=("DownBlock2D",) * levels,
        up_block_types=("UpBlock2D",) * levels,
        layers_per_block=config.layers_per_block,
        norm_num_groups=config.groups,
        add_attention=False,
        num_class_embeds=config.n_classes + 1,
    )


def to_model_range(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W) images -> float (N, 1, H, W) in [-1, 1], the range the model works in."""
    return torch.from_numpy(np.array(images)).float().unsqueeze(1).div(127.5).sub(1.0)


def batches(
    x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless shuffled mini-batches, reshuffled each pass, repeatable from the seed."""
    rng = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(len(x), generator=rng)
        for start in range(0, len(x) - batch_size + 1, batch_size):
            idx = order[start : start + batch_size]
            yield x[idx], y[idx]


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """Move the averaged weights a step towards the live ones (buffers are copied)."""
    for e, p in zip(ema.parameters(), model.parameters(), strict=True):
        e.lerp_(p, 1.0 - decay)
    for e, b in zip(ema.buffers(), model.buffers(), strict=True):
        e.copy_(b)


def diffusion_loss(
    unet: nn.Module,
    schedule: NoiseSchedule,
    x0: torch.Tensor,
    labels: torch.Tensor,
    rng: torch.Generator,
    gamma: float,
) -> torch.Tensor:
    """DDPM's noise-prediction loss on random timesteps, Min-SNR-weighted (Hang et al. 2023).

    Weighting each timestep by min(SNR, gamma) / SNR stops the many nearly-clean timesteps
    (high SNR, easy) from dominating the gradient; it converges several times faster.
    """
    n = len(x0)
    t = torch.randint(0, schedule.steps, (n,), generator=rng)
    noise = torch.randn(x0.shape, generator=rng)
    snr = schedule.snr()[t]
    weight = (snr.clamp(max=gamma) / snr).float()
    device = next(unet.parameters()).device
    x_t = schedule.add_noise(x0, noise, t).to(device)
    eps = unet(x_t, t.to(device), class_labels=labels.to(device)).sample
    per_image = (eps - noise.to(device)).pow(2).mean(dim=(1, 2, 3))
    return (weight.to(device) * per_image).mean()


def train(
    unet: nn.Module,
    schedule: NoiseSchedule,
    images: torch.Tensor,
    labels: torch.Tensor,
    config: TrainConfig,
    seed: int,
    progress: Callable[[int, float], None] | None = None,
) -> tuple[nn.Module, list[float]]:
    """Train with AdamW and a one-cycle learning rate; return the EMA model and the loss curve.

    `labels` are class indices; a random 10% are replaced by the null class (= n_classes).
    """
    null = unet.config.num_class_embeds - 1
    rng = torch.Generator().manual_seed(seed)
    ema = copy.deepcopy(unet).eval().requires_grad_(False)
    opt = torch.optim.AdamW(unet.parameters(), lr=config.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=config.lr, total_steps=config.steps, pct_start=0.05
    )
    losses: list[float] = []
    unet.train()
    for step, (x0, y) in enumerate(batches(images, labels, config.batch_size, seed)):
        if step == config.steps:
            break
        drop = torch.rand(len(y), generator=rng) < config.label_dropout
        loss = diffusion_loss(
            unet, schedule, x0, torch.where(drop, null, y), rng, config.min_snr_gamma
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        sched.step()
        update_ema(ema, unet, min(config.ema_decay, (1 + step) / (10 + step)))
        losses.append(loss.item())
        if progress:
            progress(step, losses[-1])
    return ema, losses


@torch.inference_mode()
def sample(
    unet: nn.Module,
    schedule: NoiseSchedule,
    labels: torch.Tensor,
    seed: int,
    guidance: float = 3.0,
    steps: int = 25,
) -> torch.Tensor:
    """DDIM with classifier-free guidance: (N, 1, H, W) grey images in [0, 1] for `labels`.

    The starting noise is drawn on the CPU from `seed`, so (labels, seed, guidance, steps)
    fixes the result. Guidance w mixes the two noise estimates as
    eps_uncond + w * (eps_cond - eps_uncond): w = 1 is the plain conditional model, larger w
    trades variety for class fidelity.
    """
    device = next(unet.parameters()).device
    size = unet.config.sample_size
    null = torch.full_like(labels, unet.config.num_class_embeds - 1)
    x = torch.randn(len(labels), 1, size, size, generator=torch.Generator().manual_seed(seed))
    x = x.to(device)
    both = torch.cat([labels, null]).to(device)
    timesteps = schedule.ddim_timesteps(steps)
    for t, t_prev in zip(timesteps, [*timesteps[1:], -1], strict=True):
        tt = torch.full((2 * len(labels),), t, device=device)
        cond, uncond = unet(torch.cat([x, x]), tt, class_labels=both).sample.chunk(2)
        x = schedule.ddim_step(uncond + guidance * (cond - uncond), t, t_prev, x)
    return x.add(1).div(2).clamp(0, 1).cpu()


@dataclass
class TextToImage:
    """The trained UNet and its schedule, driven by text prompts ("a red dress")."""

    unet: nn.Module
    schedule: NoiseSchedule
    classes: tuple[str, ...]

    def generate(
        self, prompt: str, seed: int, guidance: float = 3.0, steps: int = 25, n: int = 1
    ) -> torch.Tensor:
        """(n, 3, H, W) RGB images in [0, 1] for a prompt; the same for the same arguments."""
        parsed = parse_prompt(prompt)
        labels = torch.full((n,), parsed.label, dtype=torch.long)
        grey = sample(self.unet, self.schedule, labels, seed, guidance, steps)
        return colourise(grey, parsed.colour)


def save_pipeline(pipe: TextToImage, folder: Path, extra: dict) -> Path:
    """Write the UNet (diffusers format) and pipeline.json with its sha256, atomically."""
    folder = Path(folder)
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    pipe.unet.save_pretrained(tmp)
    meta = {
        "schedule": pipe.schedule.to_dict(),
        "classes": list(pipe.classes),
        "weights_sha256": hashlib.sha256((tmp / WEIGHTS).read_bytes()).hexdigest(),
        "versions": library_versions({"torch", "diffusers"}),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **extra,
    }
    (tmp / PIPELINE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder


def load_pipeline(folder: Path, device: str = "cpu") -> TextToImage:
    """Load a saved TextToImage, refusing weights whose sha256 differs from pipeline.json's."""
    from diffusers import UNet2DModel

    folder = Path(folder)
    meta_path = folder / PIPELINE
    if not meta_path.is_file():
        raise FileNotFoundError(
            f"no trained diffusion model at {folder} ({PIPELINE} missing): run "
            "`python -m week20_genai_multimodal --project text_to_image` first"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    digest = hashlib.sha256((folder / WEIGHTS).read_bytes()).hexdigest()
    if digest != meta["weights_sha256"]:
        raise ValueError(f"{folder / WEIGHTS} does not match {PIPELINE}'s sha256: retrain it")
    unet = UNet2DModel.from_pretrained(str(folder), local_files_only=True).to(device).eval()
    return TextToImage(unet, NoiseSchedule(**meta["schedule"]), tuple(meta["classes"]))


def parameter_count(model: nn.Module) -> int:
    """The number of parameters (trainable or frozen, as in the EMA copy)."""
    return sum(p.numel() for p in model.parameters())


def config_dict(unet: UNetConfig, training: TrainConfig) -> dict:
    """Both configs as plain JSON-able values."""
    return {"unet": asdict(unet), "training": asdict(training)}
