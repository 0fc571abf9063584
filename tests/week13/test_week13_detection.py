"""Week 13: box arithmetic, the labelled face scenes, the YOLO ONNX path on an exported model."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from shared.registry import default_registry
from week13_cv_advanced.boxes import iou_matrix, match, nms, score_detections
from week13_cv_advanced.face_scenes import (
    FRAME_H,
    FRAME_W,
    build_scenes,
    face_boxes,
    place_boxes,
    tile_boxes,
)
from week13_cv_advanced.yolo import YoloOnnxDetector, class_nms, decode, letterbox, undo_letterbox


def test_iou_of_hand_made_boxes() -> None:
    iou = iou_matrix([[0, 0, 10, 10]], [[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10]])
    np.testing.assert_allclose(iou, [[50 / 150, 0.0, 1.0]])


def test_nms_keeps_the_best_of_overlapping_boxes_and_distant_ones() -> None:
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [0, 1, 10, 11]]
    assert nms(boxes, [0.6, 0.9, 0.5, 0.7], iou_threshold=0.5).tolist() == [1, 2]
    assert nms(np.zeros((0, 4)), [], 0.5).tolist() == []


def test_precision_and_recall_count_each_truth_once() -> None:
    truth = [np.array([[0, 0, 10, 10], [20, 0, 30, 10]]), np.zeros((0, 4))]
    dets = [np.array([[0, 0, 10, 10], [1, 0, 10, 10], [40, 40, 50, 50]]), np.array([[0, 0, 5, 5]])]
    assert match(dets[0], truth[0]) == 1
    score = score_detections(dets, truth)
    assert (score.true_positives, score.detections, score.truths) == (1, 4, 2)
    assert score.precision == 0.25 and score.recall == 0.5


def test_face_box_and_tile_box_are_inverse() -> None:
    tiles = np.array([[10.0, 20.0, 110.0, 120.0], [0.0, 0.0, 48.0, 48.0]])
    np.testing.assert_allclose(tile_boxes(face_boxes(tiles)), tiles, atol=1e-9)


def test_scenes_hold_non_overlapping_faces_inside_the_frame() -> None:
    rng = np.random.default_rng(0)
    boxes = place_boxes(5, rng)
    assert len(boxes) == 5 and (boxes >= 0).all()
    assert (boxes[:, 2] <= FRAME_W).all() and (boxes[:, 3] <= FRAME_H).all()
    assert (iou_matrix(boxes, boxes) - np.eye(5)).max() == 0
    background = rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)
    faces = np.full((3, 64, 64, 3), 200, np.uint8)
    scenes = build_scenes([background], faces, 2, seed=1)
    for scene in scenes:
        assert scene.image.shape == (FRAME_H, FRAME_W, 3) and 1 <= len(scene.boxes) <= 5
        x1, y1, x2, y2 = scene.boxes[0].astype(int)
        assert (scene.image[y1:y2, x1:x2] == 200).all()


class GridDetector(nn.Module):
    """A tiny YOLOv5-format detector: one box per 8x8 cell, objectness = the cell's brightness."""

    def __init__(self, size: int = 64, cell: int = 8, box: float = 24.0) -> None:
        super().__init__()
        n = size // cell
        ys, xs = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        centres = torch.stack([xs, ys], dim=-1).reshape(1, n * n, 2).float() * cell + cell / 2
        self.register_buffer("centres", centres)
        self.register_buffer("sizes", torch.full((1, n * n, 2), box))
        self.cell = cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        brightness = nn.functional.avg_pool2d(x.mean(dim=1, keepdim=True), self.cell)
        objectness = brightness.flatten(1).unsqueeze(-1)
        classes = torch.cat([torch.ones_like(objectness), 0.5 * torch.ones_like(objectness)], -1)
        return torch.cat([self.centres, self.sizes, objectness, classes], dim=-1)


@pytest.fixture(scope="module")
def grid_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("onnx") / "grid.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(GridDetector(), (torch.zeros(1, 3, 64, 64),), str(path), dynamo=False)
    return path


def test_letterbox_pads_and_undo_maps_back() -> None:
    image = np.zeros((50, 100, 3), np.uint8)
    boxed, fit = letterbox(image, 64)
    assert boxed.shape == (64, 64, 3) and (boxed[:16] == 114).all() and (boxed[17:47] == 0).all()
    assert (fit.scale, fit.pad_x, fit.pad_y) == (0.64, 0, 16)
    np.testing.assert_allclose(
        undo_letterbox(np.array([[0.0, 16.0, 64.0, 48.0]]), fit, image.shape), [[0, 0, 100, 50]]
    )


def test_decode_multiplies_objectness_by_class_score() -> None:
    rows = np.array([[10, 20, 4, 6, 0.5, 0.2, 0.8], [0, 0, 2, 2, 0.1, 1.0, 0.0]])
    boxes, scores, classes = decode(rows, conf_threshold=0.25)
    np.testing.assert_allclose(boxes, [[8, 17, 12, 23]])
    np.testing.assert_allclose(scores, [0.4])
    assert classes.tolist() == [1]


def test_class_nms_suppresses_within_a_class_only() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [1, 0, 11, 10]], float)
    kept = class_nms(boxes, np.array([0.9, 0.8, 0.7]), np.array([0, 0, 1]), 0.5)
    assert kept.tolist() == [0, 2]


def test_onnx_detector_finds_a_bright_square_through_cv2_dnn(grid_onnx: Path) -> None:
    image = np.zeros((64, 128, 3), np.uint8)
    image[16:32, 32:48] = 255  # after the letterbox (scale 0.5, pad y 16): the cell at x 16, y 24
    detector = YoloOnnxDetector(grid_onnx, size=64, conf_threshold=0.5, iou_threshold=0.45)
    boxes, scores, classes = detector.detect(image)
    assert len(boxes) == 1 and classes.tolist() == [0]
    np.testing.assert_allclose(scores, [1.0], atol=1e-5)
    np.testing.assert_allclose(boxes, [[16, 0, 64, 48]], atol=1e-4)


def test_onnx_detector_nms_merges_one_object_seen_by_neighbouring_cells(grid_onnx: Path) -> None:
    image = np.zeros((64, 64, 3), np.uint8)
    image[8:16, 8:24] = 255  # two horizontally adjacent cells, their 24 px boxes overlap at IoU 0.5
    image[40:48, 40:48] = 128  # a dimmer object elsewhere
    detector = YoloOnnxDetector(grid_onnx, size=64, conf_threshold=0.4, iou_threshold=0.45)
    boxes, scores, _ = detector.detect(image)
    assert len(boxes) == 2
    np.testing.assert_allclose(boxes[0], [0, 0, 24, 24])
    np.testing.assert_allclose(scores, [1.0, 128 / 255], atol=1e-3)


def test_yolo_registry_entry_is_a_url_mirror_only() -> None:
    entry = default_registry().entry("yolov5n_coco_onnx")
    assert [m.kind for m in entry.mirrors] == ["url"]
