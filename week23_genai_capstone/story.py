"""Week 20's story pipeline for any premise: scenes by SmolLM2, pictures, one HTML storybook.

Week 20 asks SmolLM2 for each scene as JSON and retries until it validates; at 135M parameters
that loop often runs out of retries (week 20's own smoke run stopped at scene 2 with unclosed
JSON), which an app cannot afford. So here the app chooses each scene's picture (from week 20's
`PICTURES`, shuffled by the seed) and asks the model only for prose, one or two sentences in
which that picture appears, sampled (temperature 0.7, top-p 0.9) from the seed, cut to its
first two sentences and validated with week 20's `Scene` (retried when too short, too long or
a repeat).
Week 20's `illustrate` draws each picture (the diffusion model, or a DCGAN face) from a
recorded seed and its `storybook_html` lays the book out: one self-contained HTML file.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shared.llm import Message, reply
from week20_genai_multimodal.storybook import FACE, PICTURES, Scene, illustrate, storybook_html
from week23_genai_capstone.language_model import ChatModel

STORY_SYSTEM = (
    "You are a children's author writing a gentle story about {premise}. Each reply is the "
    "next scene: one or two short sentences of story, nothing else."
)
SHOWN = {FACE: "a new friend"}  # how a scene mentions a DCGAN face
MAX_PREMISE = 200
RETRIES = 4


@dataclass(frozen=True)
class Storybook:
    """A finished storybook: its scenes, each picture's seed, the HTML, and the replies used."""

    title: str
    scenes: list[Scene]
    seeds: list[int]
    images: list[str]
    html: str
    replies: int


def check_premise(premise: str) -> str:
    """The premise, stripped; ValueError when it is empty or longer than a sentence or two."""
    premise = premise.strip()
    if not premise:
        raise ValueError("the premise is empty: say who or what the story is about")
    if len(premise) > MAX_PREMISE:
        raise ValueError(f"the premise has {len(premise)} characters; keep it to {MAX_PREMISE}")
    return premise


def choose_pictures(n: int, seed: int) -> list[str]:
    """One picture per scene: week 20's pictures shuffled by `seed`, repeated when n is larger."""
    order = list(PICTURES)
    random.Random(seed).shuffle(order)
    return [order[i % len(order)] for i in range(n)]


def first_sentences(text: str, k: int = 2) -> str:
    """The first `k` sentences of `text` (a small model rambles on, or repeats itself)."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return " ".join(sentences[:k])


def write_scenes(chat: ChatModel, premise: str, n: int, seed: int) -> tuple[list[Scene], int]:
    """Write `n` scenes of the premise, one by one; return them and the replies it took.

    The conversation holds the previous scene as the model's own reply, so it goes on from
    it; a reply that repeats an earlier scene is refused like one too short or too long, and
    each retry samples hotter (temperature 0.7, 0.9, 1.1, ...) to get away from it.
    """
    system = STORY_SYSTEM.format(premise=check_premise(premise))
    conversation: list[Message] = [{"role": "system", "content": system}]
    scenes: list[Scene] = []
    replies = 0
    for i, picture in enumerate(choose_pictures(n, seed)):
        where = f"{SHOWN.get(picture, picture)} appears"
        conversation.append(
            {"role": "user", "content": f"Write scene {i + 1} of {n}, in which {where}."}
        )
        problems = []
        for attempt in range(RETRIES):
            text = first_sentences(
                reply(
                    chat.model,
                    chat.tokenizer,
                    conversation,
                    max_new_tokens=60,
                    temperature=0.7 + 0.2 * attempt,
                    top_p=0.9,
                    seed=seed + 10 * i + attempt,
                )
            )
            replies += 1
            if any(text == s.text for s in scenes):
                problems.append("it repeats an earlier scene")
                continue
            try:
                scenes.append(Scene(text=text, picture=picture))
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


def make_storybook(
    chat: ChatModel, pipe: Any, faces: Any, premise: str, n: int, seed: int, steps: int
) -> Storybook:
    """Write `n` scenes, illustrate each from seed + i, and lay the book out as HTML."""
    scenes, replies = write_scenes(chat, premise, n, seed)
    seeds = [seed + i for i in range(n)]
    images = [illustrate(s, k, pipe, faces, steps) for s, k in zip(scenes, seeds, strict=True)]
    title = f"A story about {check_premise(premise)}"
    return Storybook(title, scenes, seeds, images, storybook_html(title, scenes, images), replies)
