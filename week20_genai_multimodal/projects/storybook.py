"""Project: a multimodal story: SmolLM2 writes the scenes, the image models illustrate them.

Each scene is a structured record, {"text", "picture"}, validated with Pydantic (the picture
must be a prompt the diffusion model can draw, or "a face" for the DCGAN generator; the text one
or two sentences that retell nothing). The program chooses each scene's picture and asks the
model only for the prose in which it appears: asked for the whole record as JSON, the 135M model
copies the example, drops the picture or leaves the object unclosed by the second scene, even
with five retries. A reply too short, too long or repeated is retried, sampling hotter each
time. The pictures are drawn from seeds recorded in storybook.json, and storybook.html (images
embedded as PNG data) is written to the report. Week 23's story app calls `write_scenes` with
its user's premise.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator

from shared.atomic import write_text_atomic
from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.llm import REGISTRY_NAME, Message, load_chat_model, reply
from week20_genai_multimodal.dcgan import generate_faces, load_generator
from week20_genai_multimodal.diffusion import TextToImage, load_pipeline
from week20_genai_multimodal.prompts import parse_prompt

BARS = [Bar("images_loaded", ">=", 1.0, "every scene's picture is in the HTML and decodes")]
FACE = "a face"
PICTURES = (FACE, "a red dress", "a blue coat", "a pair of brown boots", "a green bag", "a sneaker")
SYSTEM = (
    "You are a children's author writing a gentle story about {premise}. Each reply is the "
    "next scene: one or two short sentences of story, nothing else."
)
PREMISE = "Mia, a young tailor"
SHOWN = {FACE: "a new friend"}  # how a scene asks for a DCGAN face
MAX_PREMISE = 200
RETRIES = 4


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    scenes: int = 4
    ddim_steps: int = 25  # denoising steps per diffusion picture


FULL = Config()
FAST = Config(scenes=2, ddim_steps=4)


class Scene(BaseModel):
    """One scene: a sentence or two of story and a picture the image models can draw."""

    picture: str
    text: str

    @field_validator("text")
    @classmethod
    def _some_text(cls, value: str) -> str:
        if not 10 <= len(value.strip()) <= 400:
            raise ValueError("text must be one or two sentences (10-400 characters)")
        return value.strip()

    @field_validator("text")
    @classmethod
    def _new(cls, value: str, info: ValidationInfo) -> str:
        if value.strip() in (info.context or {}).get("told", ()):
            raise ValueError("that sentence was already told: write what happens next")
        return value

    @field_validator("picture")
    @classmethod
    def _drawable(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip().lower()
        wanted = (info.context or {}).get("picture")
        if wanted and value != wanted:
            raise ValueError(f"the picture must be {wanted!r}, as asked")
        if value != FACE:
            parse_prompt(value)  # raises a ValueError naming the classes the model knows
        return value


def story_pictures(n: int, seed: int) -> list[str]:
    """The picture of each scene: a face first (the heroine), then distinct garments."""
    rng = np.random.default_rng(seed)
    garments = [p for p in PICTURES if p != FACE]
    return [FACE, *rng.choice(garments, n - 1, replace=False).tolist()]


def check_premise(premise: str) -> str:
    """The premise, stripped; ValueError when it is empty or longer than a sentence or two."""
    premise = premise.strip()
    if not premise:
        raise ValueError("the premise is empty: say who or what the story is about")
    if len(premise) > MAX_PREMISE:
        raise ValueError(f"the premise has {len(premise)} characters; keep it to {MAX_PREMISE}")
    return premise


def first_sentences(text: str, k: int = 2) -> str:
    """The first `k` sentences of `text` (a small model rambles on, or repeats itself).

    A sentence cut off by the token limit is dropped, unless it is all there is.
    """
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))[:k]
    complete = [s for s in sentences if s.endswith((".", "!", "?", '"'))]
    return " ".join(complete or sentences)


def write_scenes(
    model, tokenizer, pictures: list[str], seed: int, premise: str = PREMISE
) -> tuple[list[Scene], int]:
    """Write one scene per picture, in order; return them and how many replies it took.

    The conversation holds the previous scene as the model's own reply, so the story goes on
    from it. Each reply is validated as a Scene (length, the asked picture, nothing retold);
    a refused one is asked again, sampling hotter (temperature 0.7, 0.9, 1.1, ...).
    """
    system = SYSTEM.format(premise=check_premise(premise))
    conversation: list[Message] = [{"role": "system", "content": system}]
    scenes: list[Scene] = []
    replies = 0
    for i, picture in enumerate(pictures):
        where = f"{SHOWN.get(picture, picture)} appears"
        ask = f"Write scene {i + 1} of {len(pictures)}, in which {where}."
        conversation.append({"role": "user", "content": ask})
        context = {"told": [s.text for s in scenes], "picture": picture}
        problems = []
        for attempt in range(RETRIES):
            text = reply(
                model,
                tokenizer,
                conversation,
                max_new_tokens=60,
                temperature=0.7 + 0.2 * attempt,
                top_p=0.9,
                seed=seed + 10 * i + attempt,
            )
            replies += 1
            try:
                record = {"picture": picture, "text": first_sentences(text)}
                scenes.append(Scene.model_validate(record, context=context))
                break
            except ValidationError as exc:
                problems.append(exc.errors()[0]["msg"])
        else:
            raise ValueError(
                f"scene {i + 1}: the model gave no valid scene in {RETRIES} replies "
                f"(last problem: {problems[-1]}); try another premise or seed"
            )
        conversation[1:] = [conversation[-1], {"role": "assistant", "content": scenes[-1].text}]
    return scenes, replies


def png_data_uri(image: torch.Tensor, scale: int) -> str:
    """A (3, H, W) image in [0, 1] as a base64 PNG data URI, enlarged `scale` times."""
    array = (image.permute(1, 2, 0).numpy() * 255).round().astype("uint8")
    pil = Image.fromarray(array).resize(
        (array.shape[1] * scale, array.shape[0] * scale), Image.NEAREST
    )
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def illustrate(scene: Scene, seed: int, pipe: TextToImage, faces, steps: int) -> str:
    """The scene's picture as a data URI: a DCGAN face, or the diffusion model's garment."""
    if scene.picture == FACE:
        return png_data_uri(generate_faces(faces, 1, seed=seed)[0], scale=2)
    return png_data_uri(pipe.generate(scene.picture, seed=seed, steps=steps)[0], scale=4)


def storybook_html(title: str, scenes: list[Scene], images: list[str]) -> str:
    """A self-contained HTML page: one figure (image + text) per scene."""
    figures = "\n".join(
        f'<figure><img src="{src}" alt="{html.escape(s.picture)}">'
        f"<figcaption>{html.escape(s.text)}</figcaption></figure>"
        for s, src in zip(scenes, images, strict=True)
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        "</title><style>body{font-family:serif;max-width:40em;margin:auto}"
        "figure{display:flex;gap:1em;align-items:center}img{image-rendering:pixelated}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>\n{figures}\n</body></html>\n"
    )


class _Images(HTMLParser):
    """Collects (src, alt) of every <img> and the text of every <figcaption>."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[tuple[str, str]] = []
        self.captions: list[str] = []
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            found = dict(attrs)
            self.images.append((found.get("src") or "", found.get("alt") or ""))
        self._in_caption = tag == "figcaption"

    def handle_endtag(self, tag: str) -> None:
        self._in_caption = self._in_caption and tag != "figcaption"

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.captions.append(data)


def read_storybook(path: Path) -> list[tuple[str, Image.Image]]:
    """Parse a storybook back: (scene text, decoded image) per figure; errors if one fails."""
    parser = _Images()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    if len(parser.images) != len(parser.captions):
        raise ValueError(f"{len(parser.images)} images but {len(parser.captions)} captions")
    pages = []
    for (src, alt), text in zip(parser.images, parser.captions, strict=True):
        if not src.startswith("data:image/png;base64,"):
            raise ValueError(f"the image for {alt!r} is not an embedded PNG")
        image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        image.load()
        pages.append((text, image))
    return pages


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
