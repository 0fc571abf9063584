"""The Oxford-IIIT Pet and COCO loaders, on tiny archives built here in the real formats."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from week21_dl_advanced.coco import CocoDetection, read_coco
from week21_dl_advanced.pets import IGNORE, PetSegmentation, check_md5, read_pets, trimap_to_mask
from week21_dl_advanced.scenes import build_scenes, write_coco

NAMES = {"trainval": ["Abyssinian_1", "beagle_7"], "test": ["Bombay_3"]}


def png_bytes(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def trimap(h: int, w: int) -> np.ndarray:
    """A pet square (1) with a border ring (3) on background (2)."""
    t = np.full((h, w), 2, np.uint8)
    t[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] = 3
    t[h // 4 + 2 : 3 * h // 4 - 2, w // 4 + 2 : 3 * w // 4 - 2] = 1
    return t


@pytest.fixture
def pet_archives(tmp_path: Path) -> tuple[Path, Path]:
    """images.tar.gz and annotations.tar.gz laid out as the Oxford-IIIT Pet originals."""
    images, annotations = tmp_path / "images.tar.gz", tmp_path / "annotations.tar.gz"
    rng = np.random.default_rng(0)
    with tarfile.open(images, "w:gz") as tar:
        for name in NAMES["trainval"] + NAMES["test"]:
            photo = rng.integers(0, 256, (40, 48, 3)).astype(np.uint8)
            add(tar, f"images/{name}.jpg", png_bytes(photo, "JPEG"))
    with tarfile.open(annotations, "w:gz") as tar:
        for split, names in NAMES.items():
            lines = ["#Image CLASS-ID SPECIES BREED ID"]
            lines += [
                f"{n} {i + 1} {1 if n[0].isupper() else 2} {i + 1}" for i, n in enumerate(names)
            ]
            add(tar, f"annotations/{split}.txt", "\n".join(lines).encode())
        for name in NAMES["trainval"] + NAMES["test"]:
            add(tar, f"annotations/trimaps/{name}.png", png_bytes(trimap(40, 48)))
            add(tar, f"annotations/trimaps/._{name}.png", b"macOS resource fork")
    return images, annotations


def test_trimap_to_mask() -> None:
    mask = trimap_to_mask(np.array([[1, 2, 3]], np.uint8))
    assert mask.tolist() == [[1, 0, IGNORE]]
    with pytest.raises(ValueError, match="only 1, 2 and 3"):
        trimap_to_mask(np.array([[0, 1]], np.uint8))


def test_read_pets_from_the_original_archive_layout(pet_archives) -> None:
    pets = read_pets(*pet_archives, split="trainval", size=32)
    assert pets.names == NAMES["trainval"] and pets.species.tolist() == [1, 2]
    assert pets.images.shape == (2, 32, 32, 3) and pets.masks.shape == (2, 32, 32)
    assert set(np.unique(pets.masks).tolist()) == {0, 1, IGNORE}
    assert pets.masks[0, 16, 16] == 1 and pets.masks[0, 0, 0] == 0
    image, mask = PetSegmentation(pets)[1]
    assert image.shape == (3, 32, 32) and mask.dtype.is_floating_point is False
    assert read_pets(*pet_archives, split="test", size=16).names == NAMES["test"]


def test_read_pets_refuses_a_wrong_archive(pet_archives) -> None:
    images, _ = pet_archives
    with pytest.raises(ValueError, match=r"annotations\.tar\.gz"):
        read_pets(images, images, split="test", size=16)
    with pytest.raises(ValueError, match="split"):
        read_pets(*pet_archives, split="val", size=16)
    with pytest.raises(ValueError, match="published"):
        check_md5(images, "images")


def coco_file(tmp_path: Path) -> Path:
    """A COCO instances file with gaps in category ids, a crowd region and an empty image."""
    coco = {
        "images": [
            {"id": 7, "file_name": "000000000007.jpg", "height": 30, "width": 40},
            {"id": 3, "file_name": "000000000003.jpg", "height": 30, "width": 40},
            {"id": 9, "file_name": "000000000009.jpg", "height": 30, "width": 40},
        ],
        "categories": [
            {"id": 90, "name": "toothbrush", "supercategory": "indoor"},
            {"id": 1, "name": "person", "supercategory": "person"},
            {"id": 18, "name": "dog", "supercategory": "animal"},
        ],
        "annotations": [
            {
                "id": 1,
                "image_id": 7,
                "category_id": 18,
                "bbox": [2.5, 3, 10, 8],
                "iscrowd": 0,
                "area": 80,
                "segmentation": [[2.5, 3, 12.5, 3, 12.5, 11, 2.5, 11]],
            },
            {
                "id": 2,
                "image_id": 7,
                "category_id": 90,
                "bbox": [20, 5, 4, 4],
                "iscrowd": 0,
                "area": 16,
                "segmentation": [[20, 5, 24, 5, 24, 9, 20, 9]],
            },
            {
                "id": 3,
                "image_id": 7,
                "category_id": 1,
                "bbox": [0, 0, 40, 30],
                "iscrowd": 1,
                "area": 1200,
                "segmentation": {"counts": [0, 1200], "size": [30, 40]},
            },
            {
                "id": 4,
                "image_id": 3,
                "category_id": 1,
                "bbox": [5, 5, 0, 6],
                "iscrowd": 0,
                "area": 0,
                "segmentation": [],
            },
            {
                "id": 5,
                "image_id": 9,
                "category_id": 1,
                "bbox": [1, 2, 3, 4],
                "iscrowd": 0,
                "area": 12,
                "segmentation": [[1, 2, 4, 2, 4, 6, 1, 6]],
            },
        ],
    }
    path = tmp_path / "instances_val2017.json"
    path.write_text(json.dumps(coco))
    return path


def test_read_coco_maps_ids_boxes_and_skips_crowds(tmp_path: Path) -> None:
    coco = read_coco(coco_file(tmp_path))
    assert coco.classes == ("background", "person", "dog", "toothbrush")
    assert coco.category_ids == (1, 18, 90)
    assert [img.image_id for img in coco.images] == [7, 9]  # image 3 has only a zero-width box
    first = coco.images[1] if coco.images[0].image_id == 9 else coco.images[0]
    assert first.boxes.tolist() == [[2.5, 3, 12.5, 11], [20, 5, 24, 9]]
    assert first.labels.tolist() == [2, 3]
    assert len(read_coco(coco_file(tmp_path), keep_empty=True).images) == 3


def test_coco_detection_reads_images_from_a_zip(tmp_path: Path) -> None:
    coco = read_coco(coco_file(tmp_path))
    archive = tmp_path / "val2017.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for img in coco.images:
            zf.writestr(f"val2017/{img.file_name}", png_bytes(np.zeros((30, 40, 3), np.uint8)))
    image, target = CocoDetection(coco, archive)[0]
    assert image.shape == (3, 30, 40)
    assert target["boxes"].shape == (2, 4) and target["image_id"].item() == 7


def test_coco_loader_reads_the_scene_set_written_as_coco(tmp_path: Path) -> None:
    scenes = build_scenes(6, 32, seed=0)
    write_coco(scenes, tmp_path)
    coco = read_coco(tmp_path / "annotations.json")
    assert coco.classes == scenes.classes
    data = CocoDetection(coco, tmp_path / "images")
    for i, scene in enumerate(scenes):
        image, target = data[i]
        assert (target["boxes"].numpy() == scene.boxes).all()
        assert (target["labels"].numpy() == scene.labels).all()
        assert (np.rint(image.permute(1, 2, 0).numpy() * 255) == scene.image).all()


def test_bad_coco_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"images": []}))
    with pytest.raises(ValueError, match="not a COCO instances file"):
        read_coco(path)
    with pytest.raises(FileNotFoundError, match="no image folder"):
        CocoDetection(read_coco(coco_file(tmp_path)), tmp_path / "nowhere")
