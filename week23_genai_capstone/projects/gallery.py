"""Project: an AI art gallery: week 20's pictures, captioned by SmolLM2, searchable, reproducible.

Each prompt is drawn by week 20's diffusion model from a recorded seed, captioned by SmolLM2
(from the prompt: the model cannot see the picture), embedded with MiniLM, and stored
(gallery_store.py). Then every picture is drawn again from its stored row by a freshly
loaded model and compared byte for byte with the stored PNG, the gallery is searched by words
and by meaning, and the Streamlit gallery page is driven with AppTest.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy.engine import RowMapping

from shared.bars import Bar
from shared.context import RunContext
from shared.db import make_engine
from shared.devices import resolve_device
from shared.llm import reply
from week20_genai_multimodal.diffusion import TextToImage, load_pipeline
from week20_genai_multimodal.prompts import parse_prompt
from week23_genai_capstone import gallery
from week23_genai_capstone.art import (
    STEPS,
    draw,
    model_guidance,
    model_version,
    save_untrained,
    text_to_image_folder,
)
from week23_genai_capstone.gallery.store import DATABASE, GALLERY_ENV, Gallery
from week23_genai_capstone.language_model import ChatModel, load_chat

BARS = [
    # Issue 16: "regenerating from a stored seed reproduces the image exactly".
    Bar("regenerated_identical", ">=", 1.0, "issue 16: byte-identical PNG from the stored seed"),
    Bar("captioned", ">=", 1.0, "issue 16: a caption written by SmolLM2 for every image"),
    Bar("word_search_recall", ">=", 1.0, "each picture found by its garment's name (SQL LIKE)"),
    Bar("gallery_page_found", ">=", 1.0, "the gallery page shows a search's pictures (AppTest)"),
]
PROMPTS = (
    "a red dress",
    "a navy coat",
    "white sneakers",
    "a yellow bag",
    "brown ankle boots",
    "a green t-shirt",
    "blue jeans",
    "a grey pullover",
    "a pink shirt",
    "orange sandals",
)
# Searches by meaning whose words are in no prompt: the top hit should be one of these classes.
MEANING_QUERIES = {
    "footwear for walking": {"Sneaker", "Sandal", "Ankle boot"},
    "something warm to wear in winter": {"Coat", "Pullover"},
    "an accessory to carry my things": {"Bag"},
}
CAPTION_SYSTEM = "You write short, vivid captions for an online art gallery."
GALLERY_APP = gallery.PAGE


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    prompts: int | None = None  # PROMPTS drawn (None: all)
    ddim_steps: int = STEPS
    caption_tokens: int = 40  # longest caption
    untrained_stand_in: bool = False  # draw with an untrained UNet (seconds), not week 20's model


FULL = Config()
FAST = Config(prompts=2, ddim_steps=2, caption_tokens=8, untrained_stand_in=True)


def write_caption(chat: ChatModel, prompt: str, max_new_tokens: int) -> str:
    """SmolLM2's one-sentence caption for a picture of `prompt` (greedy, first line, unquoted)."""
    messages = [
        {"role": "system", "content": CAPTION_SYSTEM},
        {"role": "user", "content": f"Write a one-sentence caption for a picture of {prompt}."},
    ]
    text = reply(chat.model, chat.tokenizer, messages, max_new_tokens=max_new_tokens)
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first.strip().strip("\"'").strip()


def regenerate(pipe: TextToImage, version: str, row: RowMapping) -> bytes:
    """Draw a stored artwork again; refuse when the loaded model is not the one that drew it."""
    if row["model_version"] != version:
        raise ValueError(
            f"artwork {row['id']} was drawn by model {row['model_version']}, not the loaded "
            f"{version}: load that model to regenerate it"
        )
    return draw(pipe, row["prompt"], row["seed"], row["guidance"], row["steps"])


def max_abs_diff(png_a: bytes, png_b: bytes) -> int:
    """The largest difference of any pixel channel between two PNGs (0: the same picture)."""
    a, b = (np.asarray(Image.open(io.BytesIO(p)).convert("RGB"), dtype=int) for p in (png_a, png_b))
    return int(np.abs(a - b).max()) if a.shape == b.shape else 255


def garment_word(prompt: str) -> str:
    """The word of a prompt naming its garment (what a visitor would search for)."""
    parsed = parse_prompt(prompt)
    words = [w for w in re.findall(r"[a-z-]+", prompt.lower()) if w != parsed.colour]
    return words[-1]


def drive_gallery_page(folder: Path, query: str) -> int:
    """Search the gallery page (AppTest) for `query`; return how many pictures it shows."""
    from shared.apptest import environment, load_page

    with environment(**{GALLERY_ENV: str(folder)}):
        app = load_page(str(GALLERY_APP))
        app.text_input[0].input(query).run()
    if app.exception:
        raise RuntimeError(f"the gallery page raised: {app.exception[0].message}")
    return len(app.image)


def run(ctx: RunContext) -> dict[str, float]:
    """Draw, caption, embed and store; regenerate every picture; search; drive the page."""
    from week15_transformers.sentence_encoder import SentenceEncoder

    config = FAST if ctx.fast else FULL
    device = resolve_device(ctx.device)
    if config.untrained_stand_in:
        model_dir = save_untrained(ctx.models_dir / "text_to_image_untrained", ctx.seed)
    else:
        model_dir = text_to_image_folder()
    version, guidance = model_version(model_dir), model_guidance(model_dir)
    pipe = load_pipeline(model_dir, device)
    chat = load_chat(ctx.dataset("smollm2_135m_instruct"), ctx.device)
    encoder = SentenceEncoder(ctx.dataset("all_minilm_l6_v2"), device)
    prompts, steps = PROMPTS[: config.prompts], config.ddim_steps
    folder = ctx.out / "gallery"
    shutil.rmtree(folder, ignore_errors=True)
    engine = make_engine(f"sqlite:///{folder / DATABASE}")
    gallery = Gallery(engine, folder / "images")
    for i, prompt in enumerate(prompts):
        caption = write_caption(chat, prompt, config.caption_tokens)
        vector = encoder.encode([f"{prompt}. {caption}"])[0]
        gallery.add(
            prompt=prompt,
            seed=ctx.seed + i,
            guidance=guidance,
            steps=steps,
            model_version=version,
            caption=caption or "(no caption)",
            png=draw(pipe, prompt, ctx.seed + i, guidance, steps),
            embedding=vector.tolist(),
        )
        ctx.log(f"{prompt}: {caption}")
    rows = gallery.all()
    fresh = load_pipeline(model_dir, device)
    pairs = [(regenerate(fresh, version, r), gallery.image_path(r).read_bytes()) for r in rows]
    diffs = [max_abs_diff(again, stored) for again, stored in pairs]
    identical = [again == stored for again, stored in pairs]
    found = [
        any(f["id"] == r["id"] for f in gallery.search(garment_word(r["prompt"]))) for r in rows
    ]
    meaning = {}
    for query, classes in MEANING_QUERIES.items():
        top = gallery.similar(encoder.encode([query])[0], 1)[0][0]
        meaning[query] = (top["prompt"], parse_prompt(top["prompt"]).class_name in classes)
    shown = drive_gallery_page(folder, garment_word(prompts[0]))
    engine.dispose()
    ctx.note(
        f"Model: `{model_dir}` (version {version}"
        + (
            ", an untrained stand-in: the --fast pictures are noise)"
            if config.untrained_stand_in
            else ")"
        )
        + f", guidance {guidance:g}, {steps} DDIM steps; captions by {chat.name}; embeddings "
        "by all-MiniLM-L6-v2. The gallery (SQLite + PNG files) is in `gallery/`; browse it "
        "with `python -m week23_genai_capstone serve gallery`.\n\n"
        + "\n".join(
            f"- ![{r['prompt']}](gallery/images/{r['image_file']}) *{r['prompt']}* "
            f"(seed {r['seed']}): {r['caption']}"
            for r in rows
        )
        + "\n\nSearch by meaning (top hit): "
        + "; ".join(f"{q!r} → {p} ({'ok' if ok else 'miss'})" for q, (p, ok) in meaning.items())
    )
    ctx.info["text_to_image"] = f"{model_dir} ({version})"
    return {
        "artworks": float(len(rows)),
        "regenerated_identical": float(np.mean(identical)),
        "regenerated_max_abs_diff": float(max(diffs)),
        "captioned": float(np.mean([r["caption"] != "(no caption)" for r in rows])),
        "word_search_recall": float(np.mean(found)),
        "meaning_search_top1": float(np.mean([ok for _, ok in meaning.values()])),
        "gallery_page_found": float(shown >= 1),
    }
