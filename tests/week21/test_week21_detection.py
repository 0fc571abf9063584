"""Week 21: mAP@0.5 on hand-made examples and against pycocotools; a Faster R-CNN step; fast run."""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest
import torch

from shared.registry import default_registry
from week21_dl_advanced.detector import FROZEN_BLOCKS, build_detector
from week21_dl_advanced.map_metric import average_precision, mean_average_precision
from week21_dl_advanced.scenes import DetectionScenes, build_scenes, collate_detection


def _pred(boxes, scores, labels) -> dict[str, np.ndarray]:
    return {"boxes": np.array(boxes, float), "scores": np.array(scores), "labels": np.array(labels)}


def _truth(boxes, labels) -> dict[str, np.ndarray]:
    return {"boxes": np.array(boxes, float), "labels": np.array(labels)}


BOX_A, BOX_B = [0, 0, 10, 10], [20, 20, 40, 40]


def test_perfect_detections_score_one_and_missing_ones_zero() -> None:
    truths = [_truth([BOX_A, BOX_B], [1, 2])]
    assert mean_average_precision([_pred([BOX_A, BOX_B], [0.9, 0.8], [1, 2])], truths).map == 1.0
    result = mean_average_precision([_pred([BOX_A], [0.9], [1])], truths)
    assert result.per_class == {1: 1.0, 2: 0.0} and result.map == 0.5


def test_a_higher_scored_false_positive_halves_the_precision() -> None:
    # ranked: a miss (precision 0), then the hit (recall 1, precision 1/2): AP = 0.5
    preds = [_pred([BOX_B, BOX_A], [0.9, 0.8], [1, 1])]
    assert mean_average_precision(preds, [_truth([BOX_A], [1])]).map == pytest.approx(0.5)
    # the same miss ranked below the hit costs nothing: recall 1 is reached at precision 1
    preds = [_pred([BOX_B, BOX_A], [0.7, 0.8], [1, 1])]
    assert mean_average_precision(preds, [_truth([BOX_A], [1])]).map == pytest.approx(1.0)


def test_duplicates_low_overlap_and_wrong_classes_are_false_positives() -> None:
    truths = [_truth([BOX_A], [1])]
    duplicate = _pred([BOX_A, BOX_A], [0.9, 0.95], [1, 1])
    assert mean_average_precision([duplicate], truths).per_class[1] == 1.0  # miss ranked last
    shifted = _pred([[5, 0, 15, 10]], [0.9], [1])  # IoU 5*10 / 150 = 1/3
    assert mean_average_precision([shifted], truths).map == 0.0
    assert mean_average_precision([shifted], truths, iou_threshold=0.3).map == 1.0
    wrong = mean_average_precision([_pred([BOX_A], [0.9], [2])], truths)
    assert wrong.per_class[1] == 0.0 and math.isnan(wrong.per_class[2]) and wrong.map == 0.0


def test_average_precision_interpolates_at_101_recall_levels() -> None:
    # hits at ranks 1 and 3 of 2 truths: precision 1 up to recall 0.5, then 2/3 up to 1.0
    expected = (51 * 1.0 + 50 * 2 / 3) / 101
    assert average_precision(np.array([True, False, True]), 2) == pytest.approx(expected)
    assert average_precision(np.array([], dtype=bool), 3) == 0.0
    with pytest.raises(ValueError, match="at least one ground-truth"):
        average_precision(np.array([True]), 0)
    with pytest.raises(ValueError, match="2 predictions for 1 images"):
        mean_average_precision([_pred([], [], [])] * 2, [_truth([], [])])
    with pytest.raises(
        ValueError, match=r"prediction of image 0 has a box with x2 < x1 or y2 < y1"
    ):
        mean_average_precision([_pred([[5, 5, 2, 9]], [0.5], [1])], [_truth([BOX_A], [1])])


def _random_detection_set(seed: int) -> tuple[list[dict], list[dict]]:
    """Images with 0-5 true boxes of 3 classes; detections: jittered truths, misses, noise."""
    rng = np.random.default_rng(seed)
    preds, truths = [], []
    for _ in range(25):
        n = int(rng.integers(0, 6))
        xy = rng.uniform(0, 80, (n, 2))
        boxes = np.hstack([xy, xy + rng.uniform(8, 40, (n, 2))])
        labels = rng.integers(1, 4, n)
        truths.append(_truth(boxes.reshape(-1, 4), labels))
        found = rng.random(n) < 0.8
        jittered = boxes[found] + rng.normal(0, 4, (found.sum(), 4))
        jittered[:, 2:] = np.maximum(jittered[:, 2:], jittered[:, :2] + 1)  # keep x2 > x1
        k = int(rng.integers(0, 4))
        noise_xy = rng.uniform(0, 80, (k, 2))
        noise = np.hstack([noise_xy, noise_xy + rng.uniform(8, 40, (k, 2))])
        det_labels = np.concatenate([labels[found], rng.integers(1, 4, k)])
        flip = rng.random(len(det_labels)) < 0.1  # some right boxes with the wrong class
        det_labels[flip] = rng.integers(1, 4, flip.sum())
        all_boxes = np.vstack([jittered.reshape(-1, 4), noise.reshape(-1, 4)])
        preds.append(_pred(all_boxes, rng.random(len(det_labels)), det_labels))
    return preds, truths


def _coco_map50(preds: list[dict], truths: list[dict]) -> float:
    """Return pycocotools' AP@0.5 (stats[1]) for the same detections."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def xywh(b: np.ndarray) -> list[float]:
        return [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]

    gt = COCO()
    annotations = []
    for i, t in enumerate(truths):
        for b, c in zip(t["boxes"], t["labels"], strict=True):
            area = float((b[2] - b[0]) * (b[3] - b[1]))
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": int(c),
                    "bbox": xywh(b),
                    "area": area,
                    "iscrowd": 0,
                }
            )
    gt.dataset = {
        "images": [{"id": i + 1, "height": 128, "width": 128} for i in range(len(truths))],
        "annotations": annotations,
        "categories": [{"id": c, "name": str(c)} for c in (1, 2, 3)],
    }
    results = [
        {"image_id": i + 1, "category_id": int(c), "bbox": xywh(b), "score": float(s)}
        for i, p in enumerate(preds)
        for b, s, c in zip(p["boxes"], p["scores"], p["labels"], strict=True)
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        evaluator = COCOeval(gt, gt.loadRes(results), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return float(evaluator.stats[1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_map50_agrees_with_pycocotools(seed: int) -> None:
    preds, truths = _random_detection_set(seed)
    ours = mean_average_precision(preds, truths).map
    assert 0.1 < ours < 0.95  # a set where ranking matters: neither trivial nor hopeless
    assert ours == pytest.approx(_coco_map50(preds, truths), abs=1e-9)


@pytest.fixture(scope="module")
def two_scenes() -> tuple[list, list]:
    scenes = build_scenes(2, 96, seed=0, classes=("trouser", "bag"), max_objects=3)
    return collate_detection([DetectionScenes(scenes)[i] for i in range(2)])


def test_faster_rcnn_trains_a_step_on_two_images(two_scenes) -> None:
    images, targets = two_scenes
    assert all(len(t["boxes"]) >= 1 for t in targets)
    torch.manual_seed(0)
    model = build_detector(default_registry().fetch("mobilenet_v2_imagenet"), 3, 96)
    frozen = model.backbone.features[FROZEN_BLOCKS - 1]
    trained = model.backbone.features[-1]
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    frozen_before = [p.detach().clone() for p in frozen.parameters()]
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    model.train()
    losses = model(images, targets)
    assert set(losses) == {"loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"}
    loss = sum(losses.values())
    assert torch.isfinite(loss)
    loss.backward()
    optimizer.step()
    changed = {k for k, p in model.named_parameters() if not torch.equal(p, before[k])}
    assert any(k.startswith("roi_heads.box_predictor") for k in changed)
    assert any(k.startswith("rpn.head") for k in changed)
    assert all(torch.equal(a, b) for a, b in zip(frozen.parameters(), frozen_before, strict=True))
    assert any(p.requires_grad for p in trained.parameters())
    model.eval()
    with torch.no_grad():
        detections = model(images)
    assert len(detections) == 2
    boxes = detections[0]["boxes"]
    assert boxes.shape[1] == 4 and (boxes >= 0).all() and (boxes <= 96).all()


def test_a_random_backbone_trains_every_layer_with_batch_norm() -> None:
    model = build_detector(None, 3, 96)
    assert all(p.requires_grad for p in model.backbone.parameters())
    names = {type(m).__name__ for m in model.backbone.modules()}
    assert "BatchNorm2d" in names and "FrozenBatchNorm2d" not in names


def test_fast_run_trains_both_backbones_and_draws_predictions(fast_run, tmp_path) -> None:
    doc = fast_run("week21_dl_advanced", "--project", "detection")
    metrics = doc["projects"]["detection"]["metrics"]
    for key in ("map50_pretrained", "map50_random"):
        assert 0.0 <= metrics[key] <= 1.0
    assert metrics["held_out_objects"] >= 4
    figures = {p.name for p in (tmp_path / "figures").iterdir()}
    assert {"detection_predictions.png", "detection_losses.png"} <= figures
    names = {d["name"] for d in doc["projects"]["detection"]["datasets"]}
    assert {"mobilenet_v2_imagenet", "dcgan_face_generator"} <= names
