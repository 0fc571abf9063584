"""Project: a multimodal story: SmolLM2 writes the scenes, the image models illustrate them.

Each scene is a structured record, {"text", "picture"}, validated with Pydantic (the picture
must be a prompt the diffusion model can draw, or "a face" for the DCGAN generator; the text one
or two sentences that retell nothing). The program chooses each scene's picture and asks the
model only for the prose in which it appears: asked for the whole record as JSON, the 135M model
copies the example, drops the picture or leaves the object unclosed by the second scene, even
with five retries. A reply too short, too long or repeated is retried, sampling hotter each
time. The pictures are drawn from seeds recorded in storybook.json, and storybook.html (images
embedded as PNG data) is written to the report. The scene schema, writer, illustrator and
HTML reader live in `illustrated_story.py`, which week 23's story app also uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from shared.atomic import write_text_atomic
from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.llm import REGISTRY_NAME, load_chat_model
from week20_genai_multimodal.dcgan import load_generator
from week20_genai_multimodal.diffusion import load_pipeline
from week20_genai_multimodal.illustrated_story import (
    FACE,
    PICTURES,
    illustrate,
    read_storybook,
    storybook_html,
    write_scenes,
)

BARS = [Bar("images_loaded", ">=", 1.0, "every scene's picture is in the HTML and decodes")]


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    scenes: int = 4
    ddim_steps: int = 25  # denoising steps per diffusion picture


FULL = Config()
FAST = Config(scenes=2, ddim_steps=2)


def story_pictures(n: int, seed: int) -> list[str]:
    """The picture of each scene: a face first (the heroine), then distinct garments."""
    rng = np.random.default_rng(seed)
    garments = [p for p in PICTURES if p != FACE]
    return [FACE, *rng.choice(garments, n - 1, replace=False).tolist()]


def run(ctx: RunContext) -> dict[str, float]:
    """Write the story, illustrate each scene, save storybook.html and check it reads back."""
    config = FAST if ctx.fast else FULL
    device = resolve_device(ctx.device)
    pipe = load_pipeline(ctx.models_dir / "text_to_image", device)
    faces = load_generator(ctx.dataset("dcgan_face_generator"), device)
    model, tokenizer = load_chat_model(ctx.dataset(REGISTRY_NAME), ctx.device)
    n = config.scenes
    scenes, replies = write_scenes(model, tokenizer, story_pictures(n, ctx.seed), ctx.seed)
    steps = config.ddim_steps
    seeds = [ctx.seed + i for i in range(n)]
    images = [
        illustrate(s, seed, pipe, faces, steps) for s, seed in zip(scenes, seeds, strict=True)
    ]
    path = ctx.out / "storybook.html"
    write_text_atomic(path, storybook_html("Mia the Tailor", scenes, images))
    record = [
        {**s.model_dump(), "seed": seed, "ddim_steps": steps}
        for s, seed in zip(scenes, seeds, strict=True)
    ]
    write_text_atomic(ctx.out / "storybook.json", json.dumps(record, indent=2) + "\n")
    pages = read_storybook(path)
    ctx.note(
        f"[storybook.html](storybook.html): {n} scenes written by SmolLM2, each validated "
        f"as a Scene ({replies} model replies for {n} scenes), illustrated by the diffusion model "
        "and the DCGAN face generator; storybook.json records each picture's prompt and seed.\n\n"
        + "\n".join(f"{i + 1}. *{s.picture}*: {s.text}" for i, s in enumerate(scenes))
    )
    return {
        "scenes": float(n),
        "replies_per_scene": replies / n,
        "faces": float(sum(s.picture == FACE for s in scenes)),
        "images_loaded": len(pages) / n,
    }
