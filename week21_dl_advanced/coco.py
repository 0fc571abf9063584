"""COCO-format detection sets: an instances JSON and its images, as torchvision detectors want them.

The COCO format (Lin et al. 2014) is what most detection sets ship in: `images` (id, file_name,
height, width), `categories` (id, name; the ids need not be contiguous: COCO's own run 1..90 with
gaps) and `annotations` (image_id, category_id, `bbox` as [x, y, width, height] in pixels,
`iscrowd`, and a `segmentation` given as polygons or run-length encoding). This reader maps the
category ids to labels 1..K in id order (0 is the background), turns boxes into (x1, y1, x2, y2),
leaves out crowd regions and boxes with no area, and reads images from a folder or from a zip
(COCO's own `val2017.zip` holds `val2017/<id>.jpg`).

COCO itself is in no package registry: get `annotations_trainval2017.zip` and `val2017.zip` from
`URLS` and point `read_coco` at `annotations/instances_val2017.json` and the zip. The week's
scene set is written in this same format (scenes.write_coco), and reads back through it.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

URLS = {
    "annotations": "http://images.cocodataset.org/annotations/annotations_trainval2017.zip",
    "val_images": "http://images.cocodataset.org/zips/val2017.zip",
}


@dataclass(frozen=True)
class CocoImage:
    """One image's file name and its objects: boxes (N, 4) xyxy float32, labels (N,) int64."""

    image_id: int
    file_name: str
    boxes: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class CocoSet:
    """The images of a COCO file, the class names labels index (0 = background) and the ids."""

    images: list[CocoImage]
    classes: tuple[str, ...]
    category_ids: tuple[int, ...]  # category_ids[label - 1] is the COCO id of label


def read_coco(annotation_file: Path, keep_empty: bool = False) -> CocoSet:
    """Parse an instances JSON into per-image boxes and contiguous labels.

    Crowd annotations and boxes with no width or height are left out; images left with no object
    are dropped unless `keep_empty`.
    """
    path = Path(annotation_file)
    coco = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in ("images", "annotations", "categories") if k not in coco]
    if missing:
        raise ValueError(f"{path.name} is not a COCO instances file: it lacks {missing}")
    categories = sorted(coco["categories"], key=lambda c: c["id"])
    label_of = {c["id"]: k + 1 for k, c in enumerate(categories)}
    objects: dict[int, list[tuple[list[float], int]]] = {img["id"]: [] for img in coco["images"]}
    for ann in coco["annotations"]:
        if ann["image_id"] not in objects:
            raise ValueError(f"annotation {ann['id']} names image {ann['image_id']}, not in images")
        if ann["category_id"] not in label_of:
            raise ValueError(f"annotation {ann['id']} has unknown category {ann['category_id']}")
        x, y, w, h = ann["bbox"]
        if ann.get("iscrowd", 0) or w <= 0 or h <= 0:
            continue
        objects[ann["image_id"]].append(([x, y, x + w, y + h], label_of[ann["category_id"]]))
    images = []
    for img in sorted(coco["images"], key=lambda i: i["id"]):
        found = objects[img["id"]]
        if not found and not keep_empty:
            continue
        boxes = np.array([b for b, _ in found], dtype=np.float32).reshape(-1, 4)
        labels = np.array([label for _, label in found], dtype=np.int64)
        images.append(CocoImage(img["id"], img["file_name"], boxes, labels))
    classes = ("background", *(c["name"] for c in categories))
    return CocoSet(images, classes, tuple(c["id"] for c in categories))


class CocoDetection(Dataset):
    """A COCO set as (image (3, H, W) float in [0, 1], {"boxes", "labels", "image_id"}) pairs.

    `images` is the folder holding the files, or a zip (a folder inside it is found by name).
    """

    def __init__(self, coco: CocoSet, images: Path) -> None:
        self.coco = coco
        self.images = Path(images)
        if not self.images.exists():
            raise FileNotFoundError(f"no image folder or zip at {self.images}")
        self._zip: zipfile.ZipFile | None = None
        self._zip_names: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.coco.images)

    def read_bytes(self, file_name: str) -> bytes:
        """Return one image file's bytes, from the folder or the zip."""
        if self.images.is_dir():
            return (self.images / file_name).read_bytes()
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.images)
            self._zip_names = {Path(n).name: n for n in self._zip.namelist()}
        if file_name not in self._zip_names:
            raise FileNotFoundError(f"{self.images.name} holds no {file_name}")
        return self._zip.read(self._zip_names[file_name])

    def __getitem__(self, i: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        import io

        from PIL import Image

        record = self.coco.images[i]
        image = Image.open(io.BytesIO(self.read_bytes(record.file_name))).convert("RGB")
        tensor = torch.from_numpy(np.array(image)).permute(2, 0, 1).float().div(255)
        target = {
            "boxes": torch.from_numpy(record.boxes),
            "labels": torch.from_numpy(record.labels),
            "image_id": torch.tensor(record.image_id),
        }
        return tensor, target
