"""Project: the storybook app, driven as a reader would: premise in, HTML storybook out.

The Streamlit app (story/app.py) is run with AppTest: a premise is typed, the number of scenes
chosen, the button pressed; the book it made is saved as storybook.html and parsed back with
week 20's reader (every figure's PNG must decode), and the app must offer it for download.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shared.atomic import write_text_atomic
from shared.bars import Bar
from shared.context import RunContext
from week20_genai_multimodal.illustrated_story import FACE, read_storybook
from week23_genai_capstone import story
from week23_genai_capstone.art import (
    TEXT_TO_IMAGE_ENV,
    model_version,
    save_untrained,
    text_to_image_folder,
)

BARS = [
    Bar("images_loaded", ">=", 1.0, "issue 16: an illustrated storybook (each picture decodes)"),
    Bar("download_offered", ">=", 1.0, "issue 16: the storybook downloads as HTML"),
]
APP = story.PAGE
PREMISE = "Leo, a small dog who wants to be a tailor"


def check_page(app) -> None:
    """Raise RuntimeError with the page's own words if it raised, refused, or showed no form."""
    if app.exception:
        raise RuntimeError(f"the story app raised: {app.exception[0].message}")
    if app.error:
        raise RuntimeError(f"the story app refused: {app.error[0].value}")
    if not app.text_input:
        said = "; ".join(message.value for message in app.info) or "nothing"
        raise RuntimeError(f"the story app showed no form; it said: {said}")


def drive_story_app(folder: Path, premise: str, scenes: int, seed: int):
    """Type the premise, choose the scenes and seed, press the button; return the AppTest.

    A page that stops before showing its form (no model to draw with) is reported in its own
    words, not as a missing widget.
    """
    from shared.apptest import environment, load_page

    with environment(**{TEXT_TO_IMAGE_ENV: str(folder)}):
        app = load_page(str(APP))
        check_page(app)
        app.text_input[0].input(premise)
        app.slider[0].set_value(scenes)
        app.number_input[0].set_value(seed)
        app.button[0].click().run(timeout=900)
    check_page(app)
    return app


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    scenes: int = 4
    untrained_stand_in: bool = False  # draw with an untrained UNet (seconds), not week 20's model


FULL = Config()
FAST = Config(scenes=2, untrained_stand_in=True)


def run(ctx: RunContext) -> dict[str, float]:
    """Make a storybook through the app, save it, and read it back."""
    config = FAST if ctx.fast else FULL
    for name in ("smollm2_135m_instruct", "dcgan_face_generator"):
        ctx.dataset(name)
    if config.untrained_stand_in:
        folder = save_untrained(ctx.models_dir / "text_to_image_untrained", ctx.seed)
    else:
        folder = text_to_image_folder()
        model_version(folder)  # no trained model: say which command makes it, before the page
    n = config.scenes
    app = drive_story_app(folder, PREMISE, n, ctx.seed)
    book = app.session_state["book"]
    path = ctx.out / "storybook.html"
    write_text_atomic(path, book.html)
    record = [{**s.model_dump(), "seed": k} for s, k in zip(book.scenes, book.seeds, strict=True)]
    write_text_atomic(ctx.out / "storybook.json", json.dumps(record, indent=2) + "\n")
    pages = read_storybook(path)
    ctx.note(
        f"Premise: *{PREMISE}*. [storybook.html](storybook.html), made by the app "
        f"(`python -m week23_genai_capstone serve story`) under AppTest: {n} scenes in "
        f"{book.replies} SmolLM2 replies, pictures from `{folder}`"
        + (
            " (an untrained stand-in: --fast pictures are noise)"
            if config.untrained_stand_in
            else ""
        )
        + "; storybook.json records each picture's prompt and seed.\n\n"
        + "\n".join(f"{i + 1}. *{s.picture}*: {s.text}" for i, s in enumerate(book.scenes))
    )
    return {
        "scenes": float(n),
        "replies_per_scene": book.replies / n,
        "faces": float(sum(s.picture == FACE for s in book.scenes)),
        "images_loaded": len(pages) / n,
        "download_offered": float(len(app.get("download_button")) == 1),
    }
