"""The Trainer beyond (inputs, targets): dict batches, detection batches, epoch metrics, RNGs."""

from __future__ import annotations

from collections import namedtuple

import pytest
import torch
from sklearn.metrics import f1_score, jaccard_score
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from shared.devices import cpu_has_amx
from shared.metrics import Accuracy, MacroF1, Mean, MeanIoU
from shared.training import Trainer, detection_step, model_loss_step, to_device


def test_to_device_moves_tensors_inside_dicts_lists_and_namedtuples() -> None:
    Pair = namedtuple("Pair", "x y")
    batch = {"a": torch.ones(2), "b": [torch.zeros(1), ("text", Pair(torch.ones(1), 3))]}
    moved = to_device(batch, torch.device("meta"))
    assert moved["a"].device.type == "meta" and moved["b"][0].device.type == "meta"
    assert moved["b"][1][0] == "text" and isinstance(moved["b"][1][1], Pair)
    assert moved["b"][1][1].x.device.type == "meta" and moved["b"][1][1].y == 3


def _skewed_batches() -> tuple[TensorDataset, list[float]]:
    """Three classes in batches of 4 whose batch-mean F1 differs from the epoch's F1."""
    targets = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 0, 2, 1, 0])
    preds = torch.tensor([0, 0, 1, 1, 2, 1, 2, 0, 0, 2, 1, 1])
    logits = nn.functional.one_hot(preds, 3).float()
    batch_f1 = [
        f1_score(targets[i : i + 4], preds[i : i + 4], average="macro") for i in range(0, 12, 4)
    ]
    return TensorDataset(logits, targets), batch_f1


def test_epoch_macro_f1_equals_scikit_learn_not_the_mean_of_batches() -> None:
    data, batch_f1 = _skewed_batches()
    logits, targets = data.tensors
    expected = f1_score(targets, logits.argmax(1), average="macro")
    assert abs(sum(batch_f1) / len(batch_f1) - expected) > 0.02  # the trap this guards against
    trainer = Trainer(
        nn.Identity(),
        torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1),
        device="cpu",
        metrics={"f1": MacroF1(3), "accuracy": Accuracy()},
        progress=False,
    )
    scores = trainer.evaluate(DataLoader(data, batch_size=4))
    assert scores["f1"] == pytest.approx(expected, abs=1e-12)
    assert scores["accuracy"] == pytest.approx((logits.argmax(1) == targets).float().mean().item())


def test_mean_iou_equals_scikit_learn_jaccard_on_segmentation_maps() -> None:
    g = torch.Generator().manual_seed(0)
    masks = torch.randint(0, 3, (5, 8, 8), generator=g)
    noisy = torch.where(torch.rand(5, 8, 8, generator=g) < 0.3, (masks + 1) % 3, masks)
    metric = MeanIoU(3)
    for i in range(5):
        metric.update(nn.functional.one_hot(noisy[i : i + 1], 3).permute(0, 3, 1, 2), masks[i])
    expected = jaccard_score(masks.reshape(-1), noisy.reshape(-1), average="macro")
    assert metric.compute() == pytest.approx(expected, abs=1e-12)


def test_a_plain_function_metric_is_weighted_by_batch_size() -> None:
    metric = Mean(lambda out, tgt: (out == tgt).float().mean())
    metric.update(torch.tensor([1, 1, 1]), torch.tensor([1, 1, 1]))
    metric.update(torch.tensor([0]), torch.tensor([1]))
    assert metric.compute() == pytest.approx(0.75)


class TinyTextModel(nn.Module):
    """Model whose forward takes keyword tensors and returns its own loss (transformers style)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.EmbeddingBag(20, 8, mode="sum")
        self.head = nn.Linear(8, 2)

    def forward(self, input_ids, attention_mask, labels=None):
        """Return an object with .logits and, given labels, .loss."""
        logits = self.head(self.embed(input_ids, per_sample_weights=attention_mask.float()))
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return type("Output", (), {"loss": loss, "logits": logits})


class DictTexts(Dataset):
    """Token-id rows whose label is whether token 1 appears: dict items, as a tokenizer gives."""

    def __init__(self, n: int = 64) -> None:
        g = torch.Generator().manual_seed(0)
        self.ids = torch.randint(2, 20, (n, 6), generator=g)
        self.labels = torch.randint(0, 2, (n,), generator=g)
        self.ids[self.labels == 1, 0] = 1

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {
            "input_ids": self.ids[i],
            "attention_mask": torch.ones(6, dtype=torch.long),
            "labels": self.labels[i],
        }


def test_dict_batches_train_a_model_that_computes_its_own_loss() -> None:
    torch.manual_seed(0)
    model = TinyTextModel()
    trainer = Trainer(
        model,
        torch.optim.Adam(model.parameters(), lr=0.05),
        step=model_loss_step,
        device="cpu",
        metrics={"f1": MacroF1(2)},
        progress=False,
    )
    history = trainer.fit(DataLoader(DictTexts(), batch_size=16, shuffle=True), epochs=8)
    assert history[-1]["loss"] < history[0]["loss"] and history[-1]["f1"] > 0.9
    logits, labels = trainer.predict(DataLoader(DictTexts(), batch_size=16))
    assert logits.shape == (64, 2) and torch.equal(labels, DictTexts().labels)


def test_a_transformers_model_trains_with_its_own_loss() -> None:
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=20,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=2,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    trainer = Trainer(
        model,
        torch.optim.AdamW(model.parameters(), lr=3e-3),
        step=model_loss_step,
        device="cpu",
        progress=False,
    )
    history = trainer.fit(DataLoader(DictTexts(), batch_size=16, shuffle=True), epochs=6)
    assert history[-1]["loss"] < history[0]["loss"]
    assert trainer.evaluate(DataLoader(DictTexts(), batch_size=32))["accuracy"] > 0.8


def _tiny_detector() -> nn.Module:
    """A Faster R-CNN on a two-layer backbone: small enough to train for a few steps on a CPU."""
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.ops import MultiScaleRoIAlign

    backbone = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
    backbone.out_channels = 8
    return FasterRCNN(
        backbone,
        num_classes=2,
        rpn_anchor_generator=AnchorGenerator(sizes=((16, 32),), aspect_ratios=((1.0,),)),
        box_roi_pool=MultiScaleRoIAlign(["0"], output_size=7, sampling_ratio=2),
        min_size=64,
        max_size=64,
    )


def _boxes_batches() -> list:
    """Two batches of a list of images and a list of target dicts: one bright square each."""
    batches = []
    for b in range(2):
        images, targets = [], []
        for i in range(2):
            image = torch.zeros(3, 64, 64)
            x = 8 + 16 * ((b + i) % 2)
            image[:, x : x + 24, x : x + 24] = 1.0
            images.append(image)
            box = torch.tensor([[x, x, x + 24, x + 24]], dtype=torch.float32)
            targets.append({"boxes": box, "labels": torch.ones(1, dtype=torch.int64)})
        batches.append((images, targets))
    return batches


def test_detection_batches_of_image_lists_and_target_dicts_run() -> None:
    torch.manual_seed(0)
    model = _tiny_detector()
    trainer = Trainer(
        model,
        torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
        step=detection_step,
        device="cpu",
        metrics={},
        progress=False,
    )
    history = trainer.fit(_boxes_batches(), epochs=2)
    assert all(row["loss"] > 0 for row in history)
    predictions, targets = trainer.predict(_boxes_batches())
    assert len(predictions) == 4 and len(targets) == 4
    assert {"boxes", "labels", "scores"} <= set(predictions[0])


class Jitter(Dataset):
    """Adds noise drawn from its own generator: an augmentation whose RNG must be checkpointed."""

    def __init__(self, base: TensorDataset, generator: torch.Generator) -> None:
        self.base, self.generator = base, generator

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = self.base[i]
        return x + 0.5 * torch.randn(x.shape, generator=self.generator), y


def _jitter_trainer(checkpoint=None) -> tuple[Trainer, DataLoader]:
    g = torch.Generator().manual_seed(5)
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    data = Jitter(TensorDataset(x, (x[:, 0] > 0).long()), g)
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    trainer = Trainer(
        model,
        torch.optim.SGD(model.parameters(), lr=0.1),
        device="cpu",
        checkpoint=checkpoint,
        generators={"augment": g},
        progress=False,
    )
    loader = DataLoader(data, batch_size=16, shuffle=True, generator=torch.Generator())
    loader.generator.manual_seed(1)
    return trainer, loader


def test_augmentation_generators_are_checkpointed_so_resume_is_exact(tmp_path) -> None:
    full, loader = _jitter_trainer()
    full.fit(loader, epochs=3)
    first, loader = _jitter_trainer(tmp_path / "ckpt.pt")
    first.fit(loader, epochs=1)
    resumed, loader = _jitter_trainer()
    loader.dataset.generator.manual_seed(999)  # the interruption scrambles the augmentation RNG
    resumed.load_checkpoint(tmp_path / "ckpt.pt")
    resumed.fit(loader, epochs=3)
    assert torch.equal(full.model.weight, resumed.model.weight)
    assert [r["loss"] for r in full.history] == [r["loss"] for r in resumed.history]


def test_mixed_precision_follows_the_hardware_and_is_recorded() -> None:
    model = nn.Linear(2, 2)
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), device="cpu")
    assert trainer.precision == ("bf16" if cpu_has_amx() else "fp32")
    assert not trainer.scaler.is_enabled()  # the gradient scaler is for CUDA's fp16 only
    plain = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), device="cpu", amp=False)
    assert plain.precision == "fp32"


def test_bf16_autocast_on_a_cpu_still_returns_float32_outputs() -> None:
    model = nn.Linear(4, 3)
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), device="cpu")
    trainer.precision = "bf16"
    loader = DataLoader(TensorDataset(torch.randn(8, 4), torch.randint(0, 3, (8,))), batch_size=4)
    outputs, _ = trainer.predict(loader)
    assert outputs.dtype == torch.float32
