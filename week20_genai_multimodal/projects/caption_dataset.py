"""Project: build the image-caption dataset the diffusion model trains on, with its datasheet.

Writes caption_dataset/manifest.csv (one row per kept image: where its pixels are, their
SHA-256, label, caption, split) and a datasheet (Gebru et al. 2021, "Datasheets for Datasets")
into the report.
"""

from __future__ import annotations

from shared.atomic import write_text_atomic
from shared.bars import Bar
from shared.context import RunContext
from shared.vision import load_fashion_mnist
from week20_genai_multimodal.captions import TEMPLATES, build_manifest, caption_agreement

# Data checks, not published targets: every caption must read back as its image's class, and
# no image may appear in two splits (train/test leakage).
BARS = [
    Bar("caption_agreement", ">=", 1.0, "each caption names its image's class (data check)"),
    Bar("leaked_images", "<=", 0.0, "no image in two splits after de-duplication (data check)"),
]


def datasheet(manifest, counts: dict[str, int]) -> str:
    """The dataset's datasheet as Markdown: motivation, composition, collection, uses."""
    sizes = manifest["split"].value_counts()
    per_class = manifest[manifest["split"] == "train"]["class_name"].value_counts()
    return (
        "**Datasheet: Fashion-MNIST captions.** *Motivation:* condition a small diffusion model "
        "through text. *Composition:* "
        f"{len(manifest):,} 28x28 greyscale product photos of 10 garment classes (train "
        f"{sizes.get('train', 0):,}, validation {sizes.get('val', 0):,}, test "
        f"{sizes.get('test', 0):,}); training images per class {per_class.min():,}-"
        f"{per_class.max():,}. *Collection:* images and labels are Zalando's Fashion-MNIST "
        "(Xiao et al. 2017, MIT licence; Zalando article photos, centred and downscaled), from "
        "the registry's Debian mirror; captions are written here from the label with "
        f"{len(TEMPLATES)} templates and class synonyms, so they describe the class and not "
        "the individual item (colour, pattern and brand are absent). *Preprocessing:* exact "
        f"duplicates by SHA-256 of the pixels: {counts['duplicates_within_split']} within a "
        f"split and {counts['duplicates_across_splits']} across splits were dropped (the test "
        "copy goes). *Uses:* training and evaluating class-conditional generators; not a "
        "caption-quality benchmark. *Distribution:* manifest.csv points into the source files "
        "by (source_split, source_index); the pixels stay in the registry's verified files."
    )


def run(ctx: RunContext) -> dict[str, float]:
    """Build, check and save the manifest, and put its datasheet in the report."""
    data = load_fashion_mnist(ctx.dataset)
    manifest, counts = build_manifest(data, ctx.seed)
    folder = ctx.out / "caption_dataset"
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / "manifest.csv", manifest.to_csv(index=False))
    splits_per_image = manifest.groupby("sha256")["split"].nunique()
    ctx.note(datasheet(manifest, counts))
    rows = manifest.sample(5, random_state=ctx.seed)
    ctx.note(
        "| split | class | caption |\n|---|---|---|\n"
        + "\n".join(f"| {r.split} | {r.class_name} | {r.caption} |" for r in rows.itertuples())
    )
    return {
        "images": float(len(manifest)),
        "duplicates_removed": float(sum(counts.values())),
        "caption_agreement": caption_agreement(manifest),
        "leaked_images": float((splits_per_image > 1).sum()),
        "distinct_captions": float(manifest["caption"].nunique()),
    }
