"""Week 10: NumPy convolution and pooling vs torch, the real CIFAR-10 format, resuming, fast run."""

from __future__ import annotations

import io
import pickle
import tarfile

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import shared.mirrors
from week10_cnn.cifar10 import read_cifar10
from week10_cnn.cnn import SmallCNN
from week10_cnn.conv_numpy import (
    avg_pool2d,
    conv2d,
    conv2d_backward,
    max_pool2d,
    max_pool2d_backward,
)
from week10_cnn.images import ShiftFlip
from week10_cnn.projects.image_classifier import setup


@pytest.mark.parametrize(
    ("stride", "padding", "kernel"), [(1, 0, 3), (1, 1, 3), (2, 1, 3), (2, 0, 5), (3, 2, 2)]
)
def test_conv2d_forward_and_backward_match_torch(stride: int, padding: int, kernel: int) -> None:
    rng = np.random.default_rng(stride * 10 + padding)
    x, w, b = (
        rng.standard_normal((2, 3, 11, 9)),
        rng.standard_normal((4, 3, kernel, kernel)),
        rng.standard_normal(4),
    )
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    out = conv2d(x, w, b, stride, padding)
    np.testing.assert_allclose(out, expected.detach().numpy(), atol=1e-5, rtol=0)
    grad = rng.standard_normal(out.shape)
    expected.backward(torch.from_numpy(grad))
    for ours, ref in zip(conv2d_backward(grad, x, w, stride, padding), (xt, wt, bt), strict=True):
        np.testing.assert_allclose(ours, ref.grad.numpy(), atol=1e-5, rtol=0)


@pytest.mark.parametrize(("size", "stride"), [(2, None), (3, 1), (3, 2)])
def test_pooling_forward_and_backward_match_torch(size: int, stride: int | None) -> None:
    x = np.random.default_rng(size).standard_normal((2, 3, 9, 8))
    xt = torch.tensor(x, requires_grad=True)
    expected = F.max_pool2d(xt, size, stride)
    np.testing.assert_allclose(
        max_pool2d(x, size, stride), expected.detach().numpy(), atol=1e-5, rtol=0
    )
    np.testing.assert_allclose(
        avg_pool2d(x, size, stride), F.avg_pool2d(xt, size, stride).detach().numpy(), atol=1e-5
    )
    grad = np.random.default_rng(0).standard_normal(expected.shape)
    expected.backward(torch.from_numpy(grad))
    np.testing.assert_allclose(
        max_pool2d_backward(grad, x, size, stride), xt.grad.numpy(), atol=1e-5, rtol=0
    )


def test_conv2d_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="shapes do not match"):
        conv2d(np.zeros((1, 2, 5, 5)), np.zeros((1, 3, 3, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)))


def test_small_cnn_maps_images_to_logits() -> None:
    assert SmallCNN(1, 10)(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    wide = SmallCNN(3, 10, widths=(8, 16, 32), convs_per_block=2)
    assert wide(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    mixed = SmallCNN(1, 4, widths=(8, 16), convs_per_block=(1, 2), hidden=12)
    assert mixed(torch.zeros(2, 1, 28, 28)).shape == (2, 4)
    assert [len(block) for block in mixed.features] == [4, 7]  # (conv, BN, ReLU) x n + pool
    assert mixed.head[-1].in_features == 12
    with pytest.raises(ValueError, match="3 conv counts for 2 blocks"):
        SmallCNN(1, 4, widths=(8, 16), convs_per_block=(1, 2, 2))


def _cifar_archive(path, n_per_batch: int = 4) -> None:
    """A tiny archive in the real CIFAR-10 python format (Python-2 style bytes keys)."""
    rng = np.random.default_rng(0)

    def add(tf: tarfile.TarFile, name: str, obj: dict) -> None:
        data = pickle.dumps(obj, protocol=2)
        info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))

    with tarfile.open(path, "w:gz") as tf:
        for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
            data = rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8)
            data[0, :1024], data[0, 1024:2048], data[0, 2048:] = 10, 20, 30  # one R, G, B image
            add(
                tf,
                name,
                {
                    b"batch_label": name.encode(),
                    b"labels": [i % 4 for i in range(n_per_batch)],
                    b"data": data,
                    b"filenames": [b"x.png"] * n_per_batch,
                },
            )
        add(
            tf,
            "batches.meta",
            {
                b"label_names": [b"airplane", b"automobile", b"bird", b"cat"],
                b"num_cases_per_batch": n_per_batch,
            },
        )


def test_cifar10_loader_reads_the_real_python_format(tmp_path) -> None:
    archive = tmp_path / "cifar-10-python.tar.gz"
    _cifar_archive(archive)
    data = read_cifar10(archive)
    assert data.x_train.shape == (20, 32, 32, 3) and data.x_test.shape == (4, 32, 32, 3)
    assert data.x_train.dtype == np.uint8 and data.y_train.tolist() == [0, 1, 2, 3] * 5
    assert data.classes == ("airplane", "automobile", "bird", "cat")
    assert data.x_test[0, 5, 7].tolist() == [10, 20, 30]  # channel-major rows become HWC pixels


def test_cifar10_loader_names_what_is_missing(tmp_path) -> None:
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("readme.txt")
        tf.addfile(info, io.BytesIO(b""))
    with pytest.raises(ValueError, match="data_batch_1"):
        read_cifar10(archive)


def _no_website(mirror, workdir):
    raise shared.mirrors.MirrorError("tests never download from websites")


def test_fast_run_end_to_end(fast_run, monkeypatch) -> None:
    monkeypatch.setattr(shared.mirrors, "_url_download", _no_website)
    projects = fast_run("week10_cnn")["projects"]
    assert projects["conv_from_scratch"]["metrics"]["conv_max_abs_diff"] < 1e-5
    classifier = projects["image_classifier"]["metrics"]
    accuracy = classifier.get(
        "test_accuracy_fashion_mnist", classifier.get("test_accuracy_cifar10")
    )
    assert accuracy > 0.3  # chance is 0.1


def test_fast_run_trains_on_cifar10_when_it_is_there(fast_run, monkeypatch, tmp_path) -> None:
    import week10_cnn.projects.image_classifier as classifier

    archive = tmp_path / "cifar-10-python.tar.gz"
    _cifar_archive(archive, n_per_batch=16)
    monkeypatch.setattr(classifier, "load_images", lambda ctx: (read_cifar10(archive), "cifar10"))
    metrics = fast_run("week10_cnn", "--project", "image_classifier")["projects"][
        "image_classifier"
    ]["metrics"]
    assert "test_accuracy_cifar10" in metrics and "test_accuracy_fashion_mnist" not in metrics


def test_shift_flip_moves_pixels_without_changing_them() -> None:
    x = torch.arange(2 * 6 * 6, dtype=torch.float32).reshape(2, 6, 6)
    augment = ShiftFlip(pad=2, seed=0)
    outs = [augment(x) for _ in range(20)]
    assert all(torch.equal(o.flatten().sort().values, x.flatten()) for o in outs)  # a permutation
    assert len({tuple(o.flatten().tolist()) for o in outs}) > 5  # of many kinds
    again = ShiftFlip(pad=2, seed=0)
    assert all(torch.equal(o, again(x)) for o in outs)  # repeatable from the seed


def test_resumed_cifar10_run_matches_the_uninterrupted_one(tmp_path) -> None:
    """The augmentation's generator is checkpointed: epoch 2 after a resume sees the same images."""
    from shared.context import RunContext
    from shared.seeding import seed_everything

    archive = tmp_path / "cifar-10-python.tar.gz"
    _cifar_archive(archive, n_per_batch=8)
    data = read_cifar10(archive)

    def trainer_in(folder: str, seed: int):
        seed_everything(seed)
        ctx = RunContext(10, "image_classifier", tmp_path / folder, device="cpu")
        trainer, train, val, _ = setup(ctx, data, "cifar10")
        trainer.progress = False
        return trainer, train, val, ctx.models_dir / "cnn_cifar10.pt"

    trainer, train, val, whole = trainer_in("whole", seed=0)
    trainer.fit(train, val, epochs=2)
    trainer, train, val, resumed = trainer_in("resumed", seed=0)
    trainer.fit(train, val, epochs=1)
    trainer, train, val, _ = trainer_in("resumed", seed=99)  # fresh objects, other global RNG
    trainer.load_checkpoint(resumed)
    trainer.fit(train, val, epochs=2)

    a, b = (torch.load(p, weights_only=True) for p in (whole, resumed))
    assert [r["loss"] for r in a["history"]] == [r["loss"] for r in b["history"]]
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert len(a["generators"]["augment"]) > 0
