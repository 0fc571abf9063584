"""Week 20's text-to-image model as the gallery uses it: located, versioned, drawn as PNG bytes.

The gallery draws with the class-conditional diffusion model week 20 trains and saves
(reports/week20/models/text_to_image, or the folder $WEEK23_TEXT_TO_IMAGE names). Its version
is the first 12 hex digits of its weights' sha256, recorded in pipeline.json; an image is
stored with it, so regenerating refuses a different model instead of drawing something else.
It draws at the guidance scale week 20 chose on validation samples (pipeline.json's
`guidance`; week 20's default GUIDANCE for a model saved without one).
A `--fast` run, which must take seconds, draws with a tiny untrained UNet of week 20's smoke
shape instead (its pictures are noise, and the report says so), in the few DDIM steps its
pipeline.json records (`model_steps`; a trained model is drawn in STEPS).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import torch

from shared import upstream
from shared.vision import FASHION_MNIST_CLASSES
from week20_genai_multimodal.diffusion import (
    GUIDANCE,
    PIPELINE,
    SMOKE_UNET,
    TextToImage,
    build_unet,
    save_pipeline,
)
from week20_genai_multimodal.illustrated_story import png_data_uri
from week20_genai_multimodal.schedule import NoiseSchedule

MODEL = upstream.artefact("week20.text_to_image")
TEXT_TO_IMAGE_ENV = MODEL.env
STEPS, SCALE = 25, 4
UNTRAINED_STEPS = 2  # the untrained stand-in draws noise: two DDIM steps prove the path
TRAIN_DIFFUSION = MODEL.command


def text_to_image_folder() -> Path:
    """The diffusion model to draw with: $WEEK23_TEXT_TO_IMAGE, else week 20's saved model."""
    return upstream.path(MODEL.key)


def _pipeline_meta(folder: Path) -> dict:
    """The saved model's pipeline.json; MissingArtefact naming the command that makes one."""
    meta = upstream.require(MODEL.key, folder) / PIPELINE
    return json.loads(meta.read_text(encoding="utf-8"))


def model_version(folder: Path) -> str:
    """The saved model's version: the first 12 hex digits of its weights' sha256."""
    return _pipeline_meta(folder)["weights_sha256"][:12]


def model_guidance(folder: Path) -> float:
    """The guidance scale week 20 chose for the saved model, or week 20's default if none."""
    return float(_pipeline_meta(folder).get("guidance", GUIDANCE))


def model_steps(folder: Path) -> int:
    """The DDIM steps to draw the saved model in: pipeline.json's `ddim_steps`, else STEPS."""
    return int(_pipeline_meta(folder).get("ddim_steps", STEPS))


def save_untrained(folder: Path, seed: int) -> Path:
    """Save a randomly initialised UNet of week 20's smoke shape: a stand-in for --fast runs."""
    torch.manual_seed(seed)
    pipe = TextToImage(build_unet(SMOKE_UNET), NoiseSchedule(), FASHION_MNIST_CLASSES)
    extra = {"trained": False, "seed": seed, "ddim_steps": UNTRAINED_STEPS}
    return save_pipeline(pipe, folder, extra)


def png_bytes(image: torch.Tensor, scale: int = SCALE) -> bytes:
    """A (3, H, W) image in [0, 1] as PNG file bytes, enlarged `scale` times (week 20's PNG)."""
    return base64.b64decode(png_data_uri(image, scale).split(",", 1)[1])


def draw(pipe: TextToImage, prompt: str, seed: int, guidance: float, steps: int) -> bytes:
    """The PNG the model draws for (prompt, seed, guidance, steps): the same bytes every time."""
    return png_bytes(pipe.generate(prompt, seed=seed, guidance=guidance, steps=steps)[0])
