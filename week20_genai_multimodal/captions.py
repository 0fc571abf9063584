"""An image-caption dataset for the diffusion model, built from Fashion-MNIST.

Each image gets a caption written from its label with a few templates and the synonyms the
prompt reader knows ("a photo of a trainer"), so the diffusion model is conditioned through
text the same way at training and at generation time: caption -> `parse_prompt` -> class.
Images are hashed (SHA-256 of their pixels); an exact duplicate is kept once, and a test or
validation image that repeats a training image is dropped, so no split leaks into another.
The manifest points into the registry's files by (source split, index) instead of copying
pixels.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from shared.vision import ImageSplits
from week20_genai_multimodal.prompts import CLASS_WORDS, parse_prompt

TEMPLATES = (
    "a photo of a {word}",
    "a {word}",
    "a black-and-white picture of a {word}",
    "a product shot of a {word} on a black background",
)
VALIDATION = 5000  # the last training images, as week 10 holds them out
SPLIT_ORDER = ("train", "val", "test")


def image_hashes(images: np.ndarray) -> list[str]:
    """SHA-256 of each image's raw pixel bytes: equal hashes mean identical images."""
    return [hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest() for x in images]


def caption(label: int, rng: np.random.Generator) -> str:
    """One caption for a class: a random template filled with one of the class's words."""
    words = list(CLASS_WORDS.values())[label]
    template = TEMPLATES[rng.integers(len(TEMPLATES))]
    return template.format(word=words[rng.integers(len(words))])


def deduplicate(manifest: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Keep each image hash once, in split order (train first); count what was dropped and why.

    Returns the kept rows and {"duplicates_within_split", "duplicates_across_splits"}.
    """
    order = manifest["split"].map({s: i for i, s in enumerate(SPLIT_ORDER)})
    ranked = manifest.assign(_order=order).sort_values(["_order", "source_index"], kind="stable")
    first_split = ranked.groupby("sha256")["split"].transform("first")
    repeated = ranked.duplicated("sha256", keep="first")
    counts = {
        "duplicates_within_split": int((repeated & (ranked["split"] == first_split)).sum()),
        "duplicates_across_splits": int((repeated & (ranked["split"] != first_split)).sum()),
    }
    return ranked.loc[~repeated].drop(columns="_order").reset_index(drop=True), counts


def build_manifest(data: ImageSplits, seed: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return the de-duplicated manifest (one row per image, with caption and split) and counts.

    Columns: source_split, source_index, sha256, label, class_name, caption, split.
    """
    rng = np.random.default_rng(seed)
    n_train = len(data.x_train) - VALIDATION
    parts = []
    for source, x, y in (("train", data.x_train, data.y_train), ("test", data.x_test, data.y_test)):
        labels = np.asarray(y, dtype=np.int64)
        split = np.full(len(x), source, dtype=object)
        if source == "train":
            split[n_train:] = "val"
        parts.append(
            pd.DataFrame(
                {
                    "source_split": source,
                    "source_index": np.arange(len(x)),
                    "sha256": image_hashes(x),
                    "label": labels,
                    "class_name": [data.classes[i] for i in labels],
                    "caption": [caption(int(i), rng) for i in labels],
                    "split": split,
                }
            )
        )
    return deduplicate(pd.concat(parts, ignore_index=True))


def caption_agreement(manifest: pd.DataFrame) -> float:
    """Share of images whose caption `parse_prompt` reads back as the image's own class."""
    read = {text: parse_prompt(text).label for text in set(manifest["caption"])}
    return float(np.mean(manifest["caption"].map(read).to_numpy() == manifest["label"].to_numpy()))


def split_images(
    manifest: pd.DataFrame, data: ImageSplits, split: str
) -> tuple[np.ndarray, np.ndarray]:
    """The images (N, 28, 28) uint8 and labels of one manifest split, read from the source."""
    rows = manifest[manifest["split"] == split]
    if rows.empty:
        raise ValueError(
            f"the manifest has no {split!r} rows; splits: {sorted(set(manifest.split))}"
        )
    sources = {"train": data.x_train, "test": data.x_test}
    images = np.stack(
        [sources[s][i] for s, i in zip(rows["source_split"], rows["source_index"], strict=True)]
    )
    return images, rows["label"].to_numpy(dtype=np.int64)
