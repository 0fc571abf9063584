"""The scene builder: masks, boxes and pasted pixels agree; the COCO / PNG files round-trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from week21_dl_advanced.scenes import (
    CLASSES,
    MAX_HIDDEN,
    DetectionScenes,
    ObjectTile,
    SegmentationScenes,
    box_of,
    build_scenes,
    collate_detection,
    compose,
    hides_too_much,
    paste,
    read_scenes,
    rle_decode,
    rle_encode,
    write_coco,
    write_png_masks,
)


@pytest.fixture(scope="module")
def scenes():
    return build_scenes(24, 48, seed=3)


@pytest.fixture(scope="module")
def plain():
    return build_scenes(24, 48, seed=3, plain=True)


def test_box_of_is_the_tight_pixel_edge_box() -> None:
    mask = np.zeros((10, 12), dtype=bool)
    mask[2:5, 3:9] = True
    assert box_of(mask).tolist() == [3, 2, 9, 5]
    with pytest.raises(ValueError, match="empty"):
        box_of(np.zeros((4, 4), dtype=bool))


def test_paste_occludes_the_earlier_object_and_its_box_shrinks() -> None:
    image = np.zeros((20, 20, 3), dtype=np.uint8)
    square = ObjectTile(np.full((6, 6, 3), 200, np.uint8), np.ones((6, 6), bool), 1)
    other = ObjectTile(np.full((6, 6, 3), 90, np.uint8), np.ones((6, 6), bool), 2)
    instances: list[np.ndarray] = []
    paste(image, instances, square, 2, 2)
    paste(image, instances, other, 5, 2)  # covers columns 5..10 of the first one's 2..7
    assert box_of(instances[0]).tolist() == [2, 2, 5, 8]
    assert box_of(instances[1]).tolist() == [5, 2, 11, 8]
    assert (image[instances[0]] == 200).all() and (image[instances[1]] == 90).all()
    assert not (instances[0] & instances[1]).any()


def test_compose_masks_are_exactly_the_pasted_pixels() -> None:
    rng = np.random.default_rng(0)
    background = np.full((40, 40, 3), 7, np.uint8)
    tiles = []
    for label in (1, 2, 3, 1, 2):
        mask = rng.random((12, 12)) < 0.7
        pixels = rng.integers(100, 256, (12, 12, 3)).astype(np.uint8)
        tiles.append(ObjectTile(pixels, mask, label))
    scene = compose(background, tiles, rng)
    changed = (scene.image != 7).any(axis=2)
    assert (changed == (scene.mask > 0)).all()
    assert (scene.instance_masks.any(axis=0) == (scene.mask > 0)).all()


def test_scene_labels_masks_and_boxes_agree(scenes) -> None:
    assert len(scenes) == 24 and scenes.classes == CLASSES
    for scene in scenes:
        assert scene.image.shape == (48, 48, 3) and scene.image.dtype == np.uint8
        assert len(scene.labels) >= 1
        assert set(scene.labels.tolist()) <= set(range(1, len(CLASSES)))
        union = np.zeros(scene.mask.shape, dtype=np.int64)
        for inst, box, label in zip(scene.instance_masks, scene.boxes, scene.labels, strict=True):
            assert (box_of(inst) == box).all()
            assert (scene.mask[inst] == label).all()
            union += inst
        assert union.max() <= 1  # instances never share a pixel
        assert ((union > 0) == (scene.mask > 0)).all()


def test_masks_match_the_pasted_pixels_on_real_scenes(scenes, plain) -> None:
    """The same seed on flat black: the same objects at the same places, only the photo gone."""
    for photo, flat in zip(scenes, plain, strict=True):
        assert (photo.mask == flat.mask).all() and (photo.boxes == flat.boxes).all()
        objects = photo.mask > 0
        assert (flat.image[~objects] == 0).all()
        assert (photo.image[objects] == flat.image[objects]).all()


def test_a_placement_hiding_too_much_is_refused() -> None:
    earlier = np.zeros((20, 20), dtype=bool)
    earlier[0:6, 0:6] = True  # 36 pixels
    tile = ObjectTile(np.zeros((6, 6, 3), np.uint8), np.ones((6, 6), bool), 1)
    assert MAX_HIDDEN == 0.5
    assert not hides_too_much([earlier], tile, 3, 0)  # hides exactly half: allowed
    assert hides_too_much([earlier], tile, 2, 0)  # hides 4 of 6 columns: 67%
    assert not hides_too_much([earlier], tile, 4, 0)  # hides 2 of 6 columns: 33%
    crowded = build_scenes(12, 32, seed=1, max_objects=8, object_scale=(0.4, 0.6))
    assert any(len(s.labels) >= 3 for s in crowded)


def test_splits_use_different_objects() -> None:
    train = build_scenes(4, 32, seed=0, classes=("trouser",))
    test = build_scenes(4, 32, seed=0, classes=("trouser",), split="test")
    assert train.classes == test.classes == ("background", "trouser")
    assert not all((a.image == b.image).all() for a, b in zip(train, test, strict=True))


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown scene classes"):
        build_scenes(2, 32, 0, classes=("unicorn",))
    with pytest.raises(ValueError, match="split"):
        build_scenes(2, 32, 0, split="val")
    with pytest.raises(ValueError, match="size"):
        build_scenes(2, 8, 0)


def test_rle_matches_pycocotools() -> None:
    from pycocotools import mask as coco_mask

    rng = np.random.default_rng(0)
    for first in (False, True):
        m = rng.random((7, 9)) < 0.4
        m[0, 0] = first
        rle = rle_encode(m)
        assert sum(rle["counts"]) == m.size
        assert (rle_decode(rle) == m).all()
        decoded = coco_mask.decode(coco_mask.frPyObjects(rle, *m.shape))
        assert (decoded.astype(bool) == m).all()


def test_coco_and_png_files_round_trip(scenes, tmp_path) -> None:
    write_coco(scenes, tmp_path)
    write_png_masks(scenes, tmp_path)
    coco = json.loads((tmp_path / "annotations.json").read_text())
    assert len(coco["images"]) == len(scenes)
    assert [c["name"] for c in coco["categories"]] == list(CLASSES[1:])
    ann = coco["annotations"][0]
    x, y, w, h = ann["bbox"]
    assert [x, y, x + w, y + h] == scenes[0].boxes[0].tolist()
    again = read_scenes(tmp_path)
    for a, b in zip(scenes, again, strict=True):
        assert (a.image == b.image).all() and (a.mask == b.mask).all()
        assert (a.instance_masks == b.instance_masks).all()
        assert (a.boxes == b.boxes).all() and (a.labels == b.labels).all()
    mask = np.array(Image.open(tmp_path / "masks" / "000000.png"))
    assert (mask == scenes[0].mask).all()


def test_torch_datasets(scenes) -> None:
    seg = SegmentationScenes(scenes)
    image, mask = seg[0]
    assert image.shape == (3, 48, 48) and image.min() >= 0 and image.max() <= 1
    assert set(mask.unique().tolist()) <= {0, 1}
    _, classes = SegmentationScenes(scenes, binary=False)[0]
    assert (classes.numpy() == scenes[0].mask).all()
    det = DetectionScenes(scenes)
    images, targets = collate_detection([det[0], det[1]])
    assert len(images) == 2 and targets[1]["boxes"].shape == (len(scenes[1].labels), 4)
    assert targets[0]["labels"].dtype.is_floating_point is False
