"""Week 20's story pipeline for any premise: scenes by SmolLM2, pictures, one HTML storybook.

The app chooses each scene's picture (week 20's `PICTURES`, shuffled by the seed); week 20's
`write_scenes` asks SmolLM2 for the prose in which it appears and validates each scene; its
`illustrate` draws each picture (the diffusion model, or a DCGAN face) from a recorded seed and
its `storybook_html` lays the book out: one self-contained HTML file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from week20_genai_multimodal.illustrated_story import (
    PICTURES,
    Scene,
    check_premise,
    illustrate,
    storybook_html,
)
from week20_genai_multimodal.illustrated_story import write_scenes as write_story_scenes
from week23_genai_capstone.language_model import ChatModel


@dataclass(frozen=True)
class Storybook:
    """A finished storybook: its scenes, each picture's seed, the HTML, and the replies used."""

    title: str
    scenes: list[Scene]
    seeds: list[int]
    images: list[str]
    html: str
    replies: int


def choose_pictures(n: int, seed: int) -> list[str]:
    """One picture per scene: week 20's pictures shuffled by `seed`, repeated when n is larger."""
    order = list(PICTURES)
    random.Random(seed).shuffle(order)
    return [order[i % len(order)] for i in range(n)]


def write_scenes(chat: ChatModel, premise: str, n: int, seed: int) -> tuple[list[Scene], int]:
    """Write `n` scenes of the premise with week 20's loop; return them and the replies used."""
    return write_story_scenes(chat.model, chat.tokenizer, choose_pictures(n, seed), seed, premise)


def make_storybook(
    chat: ChatModel, pipe: Any, faces: Any, premise: str, n: int, seed: int, steps: int
) -> Storybook:
    """Write `n` scenes, illustrate each from seed + i, and lay the book out as HTML."""
    scenes, replies = write_scenes(chat, premise, n, seed)
    seeds = [seed + i for i in range(n)]
    images = [illustrate(s, k, pipe, faces, steps) for s, k in zip(scenes, seeds, strict=True)]
    title = f"A story about {check_premise(premise)}"
    return Storybook(title, scenes, seeds, images, storybook_html(title, scenes, images), replies)
