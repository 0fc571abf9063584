"""The scene set: real objects pasted onto crops of real photos, with exact masks and boxes.

No registry this project reaches ships photos with pixel masks or boxes, so the set is built, and
building it is the lesson: every label a segmentation or detection dataset holds follows from
knowing which pixels were pasted where.

- Backgrounds are random square crops of real photos with no people in them (week 13's: a cat,
  coffee, two views of a motorcycle), resized to `size` pixels and sometimes mirrored.
- Objects are real Fashion-MNIST items (trousers, sneakers, bags; grey items tinted a random
  colour, their mask the pixels brighter than `ITEM_THRESHOLD`) and faces from the DCGAN face
  generator (an elliptical cut of the face, its mask the ellipse). Train scenes take items from
  Fashion-MNIST's training split and test scenes from its test split; faces come from different
  generator seeds. The photos are shared by both splits, the crops are not.
- Each object is scaled to a random size, pasted at a random place, on top of what is there. A
  later object hides part of an earlier one: the earlier instance mask loses those pixels and its
  box shrinks to what is still visible. A placement that would hide more than `MAX_HIDDEN` of an
  earlier object is redrawn, so every labelled object stays recognisable.

So the semantic mask (class id per pixel, 0 = background), the instance masks and the boxes are
exact by construction: a box is the tight rectangle around its visible pixels, in (x1, y1, x2, y2)
pixel-edge coordinates (x2 = last column + 1). `write_coco` and `write_png_masks` save a set in
the formats real datasets use (COCO instances JSON with RLE masks; PNG class-id masks), and
`read_scenes` reads it back, which is how a week run builds its scenes once and reuses them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import Dataset

if TYPE_CHECKING:
    from shared.context import RunContext

# Index = label: 0 is the background, 1..K the object classes (torchvision detectors count the
# background as a class too, so `len(CLASSES)` is their `num_classes`).
CLASSES = ("background", "face", "trouser", "sneaker", "bag")
OBJECT_CLASSES = CLASSES[1:]
FASHION_LABELS = {"t-shirt": 0, "trouser": 1, "dress": 3, "sandal": 5, "sneaker": 7, "bag": 8}
ITEM_THRESHOLD = 40  # grey level above which a resized Fashion-MNIST pixel belongs to the item
FACE_ELLIPSE = (0.5, 0.56, 0.34, 0.44)  # centre x, y and half-axes of the face cut, tile fractions
MAX_HIDDEN = 0.5  # a new object may hide at most this share of an earlier object's pixels
MIN_PIXELS = 12  # an object smaller than this is not pasted
FACE_POOL = 256  # faces generated per split; scenes draw from them in turn


@dataclass(frozen=True)
class Scene:
    """One scene: RGB image, class-id mask, and per object its mask, box and label."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    mask: np.ndarray  # (H, W) uint8 class ids, 0 = background
    instance_masks: np.ndarray  # (N, H, W) bool, the visible pixels of each object
    boxes: np.ndarray  # (N, 4) float32 (x1, y1, x2, y2)
    labels: np.ndarray  # (N,) int64 in 1..K


@dataclass(frozen=True)
class SceneSet:
    """A list of scenes and the class names their labels index (`classes[0]` = background)."""

    scenes: list[Scene]
    classes: tuple[str, ...] = CLASSES

    def __len__(self) -> int:
        return len(self.scenes)

    def __getitem__(self, i: int) -> Scene:
        return self.scenes[i]

    def __iter__(self) -> Iterator[Scene]:
        return iter(self.scenes)


@dataclass(frozen=True)
class ObjectTile:
    """An object ready to paste: RGB pixels and the mask of the pixels that belong to it."""

    pixels: np.ndarray  # (h, w, 3) uint8
    mask: np.ndarray  # (h, w) bool
    label: int


def box_of(mask: np.ndarray) -> np.ndarray:
    """Return the tight (x1, y1, x2, y2) box around a non-empty mask, in pixel-edge coordinates."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        raise ValueError("an empty mask has no box")
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], dtype=np.float32)


def random_crop(photo: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Return a random square crop of an RGB photo (25-60% of its short side), resized to `size`."""
    import cv2

    h, w = photo.shape[:2]
    side = int(rng.uniform(0.25, 0.6) * min(h, w))
    y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
    crop = cv2.resize(photo[y : y + side, x : x + side], (size, size), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop[:, ::-1] if rng.random() < 0.5 else crop)


def item_tile(item: np.ndarray, side: int, label: int, rng: np.random.Generator) -> ObjectTile:
    """Scale a grey Fashion-MNIST item to `side` pixels, tint it, and mask its bright pixels."""
    import cv2

    grey = cv2.resize(item, (side, side), interpolation=cv2.INTER_LINEAR)
    tint = rng.uniform(0.45, 1.0, size=3)
    pixels = np.rint(grey[..., None] * tint).astype(np.uint8)
    tile = ObjectTile(pixels, grey > ITEM_THRESHOLD, label)
    return flip(tile) if rng.random() < 0.5 else tile


def face_tile(face: np.ndarray, side: int, label: int, rng: np.random.Generator) -> ObjectTile:
    """Scale a generated RGB face to `side` pixels and cut the face out as an ellipse."""
    import cv2

    pixels = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA)
    cx, cy, ax, ay = FACE_ELLIPSE
    yy, xx = (np.mgrid[0:side, 0:side] + 0.5) / side
    mask = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2 <= 1.0
    tile = ObjectTile(pixels, mask, label)
    return flip(tile) if rng.random() < 0.5 else tile


def flip(tile: ObjectTile) -> ObjectTile:
    """Mirror a tile left to right."""
    return ObjectTile(tile.pixels[:, ::-1].copy(), tile.mask[:, ::-1].copy(), tile.label)


def paste(
    image: np.ndarray, instances: list[np.ndarray], tile: ObjectTile, x: int, y: int
) -> np.ndarray:
    """Paste `tile` with its top-left corner at (x, y), in place; return its full-size mask.

    The pixels under the tile's mask are replaced, and every earlier instance mask loses them.
    """
    h, w = tile.mask.shape
    full = np.zeros(image.shape[:2], dtype=bool)
    full[y : y + h, x : x + w] = tile.mask
    image[full] = tile.pixels[tile.mask]
    for earlier in instances:
        earlier &= ~full
    instances.append(full)
    return full


def hides_too_much(instances: Sequence[np.ndarray], tile: ObjectTile, x: int, y: int) -> bool:
    """Return True when pasting `tile` at (x, y) would hide over MAX_HIDDEN of an earlier object."""
    h, w = tile.mask.shape
    for earlier in instances:
        visible = int(earlier.sum())
        hidden = int((earlier[y : y + h, x : x + w] & tile.mask).sum())
        if visible - hidden < (1 - MAX_HIDDEN) * visible or visible - hidden < MIN_PIXELS:
            return True
    return False


def compose(background: np.ndarray, tiles: Sequence[ObjectTile], rng: np.random.Generator) -> Scene:
    """Paste `tiles` in order at random places onto a copy of `background`; return the scene."""
    image = background.copy()
    size_h, size_w = image.shape[:2]
    instances: list[np.ndarray] = []
    labels: list[int] = []
    for tile in tiles:
        h, w = tile.mask.shape
        if tile.mask.sum() < MIN_PIXELS or h > size_h or w > size_w:
            continue
        for _ in range(20):
            x, y = int(rng.integers(0, size_w - w + 1)), int(rng.integers(0, size_h - h + 1))
            if not hides_too_much(instances, tile, x, y):
                paste(image, instances, tile, x, y)
                labels.append(tile.label)
                break
    return scene_from_instances(image, instances, labels)


def scene_from_instances(
    image: np.ndarray, instances: Sequence[np.ndarray], labels: Sequence[int]
) -> Scene:
    """Derive the class-id mask and the boxes from the visible instance masks."""
    height, width = image.shape[:2]
    mask = np.zeros((height, width), dtype=np.uint8)
    for inst, label in zip(instances, labels, strict=True):
        mask[inst] = label
    stack = np.array(instances, dtype=bool).reshape(-1, height, width)
    boxes = np.array([box_of(m) for m in stack], dtype=np.float32).reshape(-1, 4)
    return Scene(image, mask, stack, boxes, np.array(labels, dtype=np.int64))


def read_photos(fetch: Callable[[str], Path]) -> list[np.ndarray]:
    """Read week 13's people-free background photos from the registry, as RGB."""
    from week13_cv_advanced.face_scenes import read_backgrounds

    return [np.ascontiguousarray(bgr[:, :, ::-1]) for bgr in read_backgrounds(fetch)]


def source_names(classes: Sequence[str]) -> list[str]:
    """Return the registry entries the scenes of these classes are built from."""
    from week13_cv_advanced.face_scenes import BACKGROUNDS

    names = list(BACKGROUNDS)
    if "face" in classes:
        names.append("dcgan_face_generator")
    if any(c in FASHION_LABELS for c in classes):
        names += [f"fashion_mnist_{s}_{k}" for s in ("train", "test") for k in ("images", "labels")]
    return names


def object_pools(
    classes: Sequence[str], split: str, seed: int, fetch: Callable[[str], Path]
) -> dict[str, np.ndarray]:
    """Return, per class, the source objects: Fashion-MNIST items (28x28) or faces (64x64x3)."""
    unknown = [c for c in classes if c != "face" and c not in FASHION_LABELS]
    if unknown:
        known = ["face", *FASHION_LABELS]
        raise ValueError(f"unknown scene classes {unknown}; choose from {known}")
    pools: dict[str, np.ndarray] = {}
    if "face" in classes:
        from week13_cv_advanced.dcgan import generate_faces, load_generator

        generator = load_generator(fetch("dcgan_face_generator"))
        pools["face"] = generate_faces(generator, FACE_POOL, seed * 2 + (split == "test"))
    if any(c in FASHION_LABELS for c in classes):
        from shared.vision import read_idx

        images = read_idx(fetch(f"fashion_mnist_{split}_images"))
        labels = read_idx(fetch(f"fashion_mnist_{split}_labels"))
        for c in classes:
            if c in FASHION_LABELS:
                pools[c] = images[labels == FASHION_LABELS[c]]
    return pools


def build_scenes(
    n: int,
    size: int,
    seed: int,
    classes: Sequence[str] = OBJECT_CLASSES,
    *,
    split: str = "train",
    fetch: Callable[[str], Path] | None = None,
    max_objects: int = 4,
    object_scale: tuple[float, float] = (0.22, 0.45),
    plain: bool = False,
) -> SceneSet:
    """Build `n` square scenes of `size` pixels with 1..max_objects objects of `classes` each.

    `split` picks the Fashion-MNIST split and face seeds ("train" or "test"), so held-out scenes
    hold unseen objects; `fetch` gets registry files (pass `ctx.dataset` to record provenance;
    default: the registry itself). Object sides are `object_scale` fractions of `size`.
    Labels index `("background", *classes)`. `plain` pastes onto a flat black background
    instead of the photos: the easy case a fixed threshold can handle.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    if n < 1 or size < 16:
        raise ValueError(f"need n >= 1 scenes of size >= 16 px, got n={n}, size={size}")
    if not classes:
        raise ValueError("give at least one object class")
    if fetch is None:
        from shared.registry import default_registry

        fetch = default_registry().fetch
    photos = read_photos(fetch)
    pools = object_pools(classes, split, seed, fetch)
    rng = np.random.default_rng([seed, split == "test"])
    faces_used = 0
    scenes = []
    for i in range(n):
        background = random_crop(photos[i % len(photos)], size, rng)
        if plain:
            background = np.zeros_like(background)
        tiles = []
        for _ in range(int(rng.integers(1, max_objects + 1))):
            label = int(rng.integers(len(classes))) + 1
            name = classes[label - 1]
            side = int(rng.uniform(*object_scale) * size)
            if name == "face":
                face = pools["face"][faces_used % len(pools["face"])]
                faces_used += 1
                tiles.append(face_tile(face, side, label, rng))
            else:
                item = pools[name][rng.integers(len(pools[name]))]
                tiles.append(item_tile(item, side, label, rng))
        scenes.append(compose(background, tiles, rng))
    return SceneSet(scenes, ("background", *classes))


def rle_encode(mask: np.ndarray) -> dict:
    """Encode a binary mask as COCO's uncompressed RLE: run lengths in column-major order.

    Runs alternate background, object, background, ... starting with background (which may be 0).
    """
    flat = np.asarray(mask, dtype=bool).flatten(order="F")
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0, *counts]
    return {"counts": counts, "size": list(mask.shape)}


def rle_decode(rle: dict) -> np.ndarray:
    """Decode COCO's uncompressed RLE back to a (H, W) bool mask."""
    h, w = rle["size"]
    counts = np.asarray(rle["counts"], dtype=np.int64)
    if counts.sum() != h * w:
        raise ValueError(f"RLE runs cover {counts.sum()} pixels, the mask has {h * w}")
    values = np.arange(len(counts)) % 2 == 1
    return np.repeat(values, counts).reshape((h, w), order="F")


def image_name(i: int) -> str:
    """Return the file name of scene `i` (images/ and masks/ share it)."""
    return f"{i:06d}.png"


def write_images(scenes: SceneSet, folder: Path) -> None:
    """Write each scene's image as folder/images/NNNNNN.png."""
    from PIL import Image

    (folder / "images").mkdir(parents=True, exist_ok=True)
    for i, scene in enumerate(scenes):
        Image.fromarray(scene.image).save(folder / "images" / image_name(i))


def write_png_masks(scenes: SceneSet, folder: Path) -> None:
    """Write images/NNNNNN.png and masks/NNNNNN.png (8-bit class ids), as VOC-style sets do."""
    write_images(scenes, folder)
    write_masks(scenes, folder)


def write_masks(scenes: SceneSet, folder: Path) -> None:
    """Write masks/NNNNNN.png (8-bit class ids) and classes.txt (one name per id)."""
    from PIL import Image

    (folder / "masks").mkdir(parents=True, exist_ok=True)
    for i, scene in enumerate(scenes):
        Image.fromarray(scene.mask, mode="L").save(folder / "masks" / image_name(i))
    (folder / "classes.txt").write_text("\n".join(scenes.classes) + "\n", encoding="utf-8")


def coco_dict(scenes: SceneSet) -> dict:
    """Return the scenes' COCO instances annotation: images, annotations (bbox xywh, RLE), cats."""
    images, annotations = [], []
    for i, scene in enumerate(scenes):
        h, w = scene.mask.shape
        images.append({"id": i + 1, "file_name": image_name(i), "height": h, "width": w})
        for inst, box, label in zip(scene.instance_masks, scene.boxes, scene.labels, strict=True):
            x1, y1, x2, y2 = (float(v) for v in box)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": int(label),
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": float(inst.sum()),
                    "segmentation": rle_encode(inst),
                    "iscrowd": 0,
                }
            )
    categories = [
        {"id": k, "name": name, "supercategory": "object"}
        for k, name in enumerate(scenes.classes)
        if k > 0
    ]
    return {"images": images, "annotations": annotations, "categories": categories}


def write_coco(scenes: SceneSet, folder: Path) -> None:
    """Write images/NNNNNN.png and annotations.json in the COCO instances format."""
    write_images(scenes, folder)
    text = json.dumps(coco_dict(scenes))
    (folder / "annotations.json").write_text(text, encoding="utf-8")


def read_scenes(folder: Path) -> SceneSet:
    """Read a set written by `write_coco` back into scenes (masks and boxes from the JSON)."""
    from PIL import Image

    folder = Path(folder)
    path = folder / "annotations.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: write the set with write_coco first")
    coco = json.loads(path.read_text(encoding="utf-8"))
    classes = ("background", *(c["name"] for c in sorted(coco["categories"], key=_id)))
    by_image: dict[int, list[dict]] = {img["id"]: [] for img in coco["images"]}
    for ann in coco["annotations"]:
        by_image[ann["image_id"]].append(ann)
    scenes = []
    for img in sorted(coco["images"], key=_id):
        image = np.array(Image.open(folder / "images" / img["file_name"]).convert("RGB"))
        anns = sorted(by_image[img["id"]], key=_id)
        instances = [rle_decode(a["segmentation"]) for a in anns]
        scenes.append(scene_from_instances(image, instances, [a["category_id"] for a in anns]))
    return SceneSet(scenes, classes)


def _id(record: dict) -> int:
    """Sort key: a COCO record's id."""
    return record["id"]


def cached_scenes(
    ctx: RunContext, split: str, n: int, size: int, classes: Sequence[str] = OBJECT_CLASSES
) -> SceneSet:
    """Return the run's scenes for `split`, built once into out/scenes/ and read back after.

    The folder name holds everything that defines the set, so projects asking for the same set
    share it and a different request builds its own. The folder appears whole or not at all.
    """
    for name in source_names(classes):
        ctx.dataset(name)  # provenance for the report, even when the scenes come from disk
    key = f"{split}-{n}x{size}px-seed{ctx.seed}-{'_'.join(classes)}"
    folder = ctx.out / "scenes" / key
    if (folder / "annotations.json").is_file():
        return read_scenes(folder)
    ctx.log(f"building {n} {split} scenes of {size}x{size} px into {folder}")
    scenes = build_scenes(n, size, ctx.seed, classes, split=split, fetch=ctx.dataset)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{key}."))
    try:
        write_coco(scenes, tmp)
        write_masks(scenes, tmp)
        if not folder.exists():
            tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return scenes


def image_tensor(image: np.ndarray) -> torch.Tensor:
    """Return an (H, W, 3) uint8 image as a (3, H, W) float tensor in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float().div(255)


class SegmentationScenes(Dataset):
    """Scenes as (image (3, H, W) float in [0, 1], mask (H, W) int64) pairs.

    With `binary` the mask is 1 on any object and 0 on the background (what a UNet with one
    sigmoid output segments); otherwise it holds the class ids.
    """

    def __init__(self, scenes: SceneSet, binary: bool = True) -> None:
        self.scenes = scenes
        self.binary = binary

    def __len__(self) -> int:
        return len(self.scenes)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        scene = self.scenes[i]
        mask = (scene.mask > 0) if self.binary else scene.mask
        return image_tensor(scene.image), torch.from_numpy(mask.astype(np.int64))


class DetectionScenes(Dataset):
    """Scenes as (image (3, H, W) float in [0, 1], target dict) pairs, torchvision's format.

    The target holds "boxes" (N, 4) float32 xyxy, "labels" (N,) int64 in 1..K and "image_id".
    Batch them with `collate_detection` (images differ in object count, so no stacking).
    """

    def __init__(self, scenes: SceneSet) -> None:
        self.scenes = scenes

    def __len__(self) -> int:
        return len(self.scenes)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        scene = self.scenes[i]
        target = {
            "boxes": torch.from_numpy(scene.boxes.astype(np.float32)).reshape(-1, 4),
            "labels": torch.from_numpy(scene.labels.astype(np.int64)),
            "image_id": torch.tensor(i),
        }
        return image_tensor(scene.image), target


def collate_detection(batch: Sequence[tuple]) -> tuple[list, list]:
    """Batch detection pairs as (list of images, list of targets), as torchvision expects."""
    images, targets = zip(*batch, strict=True)
    return list(images), list(targets)
