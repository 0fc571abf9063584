"""shared.vision: the IDX reader, tensor datasets, low-data sampling and image grids."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch

from shared.registry import fetch
from shared.vision import (
    FASHION_MNIST_CLASSES,
    ImageTensorDataset,
    channel_stats,
    load_fashion_mnist,
    plot_filters,
    plot_image_grid,
    read_idx,
    sample_per_class,
)


def _write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize("name", ["images-idx3-ubyte.gz", "images-idx3-ubyte"])
def test_read_idx_round_trips_gzipped_and_raw_files(tmp_path, name: str) -> None:
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / name, array)
    np.testing.assert_array_equal(read_idx(tmp_path / name), array)


def test_read_idx_rejects_bad_magic_and_truncated_bodies(tmp_path) -> None:
    (tmp_path / "bad").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    _write_idx(tmp_path / "short", np.zeros((4, 2), np.uint8))
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-3])
    with pytest.raises(ValueError, match="header says"):
        read_idx(tmp_path / "short")


def test_fashion_mnist_from_the_registry_has_the_published_shape() -> None:
    data = load_fashion_mnist(fetch)
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert data.x_train.dtype == np.uint8 and data.classes == FASHION_MNIST_CLASSES
    assert np.bincount(data.y_train).tolist() == [6000] * 10
    assert np.bincount(data.y_test).tolist() == [1000] * 10


def test_image_tensor_dataset_standardises_grey_and_rgb_images() -> None:
    grey = np.random.default_rng(0).integers(0, 256, (50, 8, 8), dtype=np.uint8)
    mean, std = channel_stats(grey)
    data = ImageTensorDataset(grey, np.arange(50) % 3, mean, std)
    assert data.images.shape == (50, 1, 8, 8) and data.labels.dtype == torch.long
    assert data.channels == 1 and len(data) == 50 and data[4][1].item() == 1
    assert abs(data.images.mean().item()) < 1e-5
    assert data.images.std().item() == pytest.approx(1.0, abs=1e-2)
    rgb = np.zeros((4, 5, 5, 3), np.uint8)
    rgb[..., 2] = 255
    x = ImageTensorDataset(rgb, np.zeros(4), [0, 0, 0], [1, 1, 1]).images
    assert x.shape == (4, 3, 5, 5) and x[:, 2].min() == 1.0 and x[:, :2].max() == 0.0


def test_image_tensor_dataset_keeps_raw_pixels_for_a_transform() -> None:
    images = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
    data = ImageTensorDataset(images, [0, 1, 2], transform=lambda x: x.flip(-1))
    x, y = data[1]
    assert x.dtype == torch.uint8 and x.shape == (1, 4, 4) and y.item() == 1
    assert torch.equal(x[0], torch.from_numpy(images[1][:, ::-1].copy()))
    images[1] = 0  # the dataset holds its own copy
    assert data[1][0].max() > 0


def test_image_tensor_dataset_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="uint8"):
        ImageTensorDataset(np.zeros((2, 4, 4)), np.zeros(2), 0, 1)
    with pytest.raises(ValueError, match="labels"):
        ImageTensorDataset(np.zeros((2, 4, 4), np.uint8), np.zeros(3), 0, 1)
    with pytest.raises(ValueError, match="both mean and std"):
        ImageTensorDataset(np.zeros((2, 4, 4), np.uint8), np.zeros(2), mean=0)
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        ImageTensorDataset(np.zeros((2, 4), np.uint8), np.zeros(2))


def test_sample_per_class_is_balanced_repeatable_and_checked() -> None:
    labels = np.repeat(np.arange(4), 30)
    idx = sample_per_class(labels, 5, seed=1)
    assert np.bincount(labels[idx]).tolist() == [5] * 4 and len(set(idx)) == 20
    np.testing.assert_array_equal(idx, sample_per_class(labels, 5, seed=1))
    with pytest.raises(ValueError, match="fewer than"):
        sample_per_class(labels, 31, seed=0)


def test_plots_draw_one_panel_per_image_and_filter() -> None:
    fig = plot_image_grid([np.zeros((4, 4))] * 5, titles=list("abcde"), ncols=3)
    assert sum(len(ax.images) > 0 for ax in fig.axes) == 5
    fig = plot_filters(torch.randn(6, 3, 3, 3))
    assert sum(len(ax.images) > 0 for ax in fig.axes) == 6
    with pytest.raises(ValueError, match="4-D"):
        plot_filters(torch.randn(3, 3))
