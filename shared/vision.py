"""Image data helpers the vision weeks share: MNIST and Fashion-MNIST readers, a dataset, grids.

Readers take the registry-verified file paths (get them with `ctx.dataset(name)`), so the
checksum is checked before anything is parsed or unpickled.
"""

from __future__ import annotations

import gzip
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from numpy.typing import DTypeLike
from torch.utils.data import Dataset

from shared.plotting import subplots

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_IDX_DTYPES: dict[int, DTypeLike] = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


@dataclass(frozen=True)
class ImageSplits:
    """Images (N, H, W[, C]) and integer labels for train and test, plus the class names."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (LeCun's MNIST format, optionally gzipped) into a NumPy array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path.name} is not an IDX file (bad magic number {data[:4].hex()})")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    body = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path.name}: header says {shape}, body holds {body.size} values")
    return body.reshape(shape)


def load_fashion_mnist(fetch: Callable[[str], Path]) -> ImageSplits:
    """Return Fashion-MNIST (60,000 train / 10,000 test, 28x28 uint8) via `fetch` (ctx.dataset)."""
    parts = [
        read_idx(fetch(f"fashion_mnist_{split}_{kind}"))
        for split in ("train", "test")
        for kind in ("images", "labels")
    ]
    x_train, y_train, x_test, y_test = parts
    return ImageSplits(x_train, y_train, x_test, y_test, classes=FASHION_MNIST_CLASSES)


def load_mnist(path: Path) -> tuple[ImageSplits, tuple[np.ndarray, np.ndarray]]:
    """Read the registry's verified MNIST pickle: (train 50k / test 10k splits, (x_val, y_val)).

    Images come back as 28x28 uint8 like Fashion-MNIST's; the file holds the original bytes / 256.
    Unpickling and converting take about 2 CPU seconds, so the arrays are cached once per file
    (by its sha256, written atomically, re-made if unreadable or misshapen).
    """
    from shared.derived import cached_arrays, derived_key

    def whole(arrays: dict[str, np.ndarray]) -> bool:
        """True when every split has as many labels as images."""
        return all(len(arrays[f"x_{s}"]) == len(arrays[f"y_{s}"]) for s in ("train", "val", "test"))

    key = derived_key(Path(path).read_bytes())
    arrays = cached_arrays("mnist-uint8", key, lambda: _decode_mnist(path), whole)
    splits = ImageSplits(
        arrays["x_train"],
        arrays["y_train"],
        arrays["x_test"],
        arrays["y_test"],
        tuple("0123456789"),
    )
    return splits, (arrays["x_val"], arrays["y_val"])


_MNIST_ARRAYS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")


def _decode_mnist(path: Path) -> dict[str, np.ndarray]:
    """Unpickle the MNIST file into uint8 images and int64 labels, named as in _MNIST_ARRAYS."""
    with gzip.open(path, "rb") as f:
        (xtr, ytr), (xva, yva), (xte, yte) = pickle.load(f, encoding="latin1")

    def to_images(x: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(x, np.float32).reshape(-1, 28, 28) * 256).astype(np.uint8)

    arrays = (to_images(xtr), ytr, to_images(xva), yva, to_images(xte), yte)
    return {
        name: a if name.startswith("x_") else np.asarray(a, np.int64)
        for name, a in zip(_MNIST_ARRAYS, arrays, strict=True)
    }


class ImageTensorDataset(Dataset):
    """uint8 images (N, H, W) or (N, H, W, C) as NCHW tensors, with integer labels.

    Given `mean` and `std` (per channel, from the training images: `channel_stats`), images are
    scaled to [0, 1] and standardised once, up front; without them they stay uint8, for a
    `transform` that wants raw pixels (torchvision.transforms.v2). `transform` runs on each
    image as it is read (augmentation, resizing). A model that wants flat vectors (an MLP)
    starts with `nn.Flatten()`.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        mean: float | Sequence[float] | None = None,
        std: float | Sequence[float] | None = None,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        if images.dtype != np.uint8:
            raise TypeError(f"expected uint8 images, got {images.dtype}: pass the raw pixels")
        if images.ndim not in (3, 4):
            raise ValueError(f"expected images (N, H, W) or (N, H, W, C), got {images.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        if (mean is None) != (std is None):
            raise ValueError("give both mean and std (to standardise) or neither (to keep uint8)")
        x = torch.from_numpy(np.array(images))  # a writable copy: IDX arrays are read-only
        x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2).contiguous()
        if mean is not None:
            mean_t = torch.as_tensor(mean, dtype=torch.float32).reshape(-1, 1, 1)
            std_t = torch.as_tensor(std, dtype=torch.float32).reshape(-1, 1, 1)
            x = (x.float().div_(255) - mean_t) / std_t
        self.images = x
        self.labels = torch.from_numpy(np.array(labels, dtype=np.int64))
        self.transform = transform

    @property
    def channels(self) -> int:
        """Return the number of colour channels (1 for grey, 3 for RGB)."""
        return self.images.shape[1]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.images[i]
        return (self.transform(x) if self.transform else x), self.labels[i]


def channel_stats(images: np.ndarray) -> tuple[list[float], list[float]]:
    """Return per-channel mean and std of uint8 images scaled to [0, 1] (from training data only)."""
    x = images.astype(np.float32) / 255
    axes = tuple(range(x.ndim - 1)) if x.ndim == 4 else None
    return np.atleast_1d(x.mean(axis=axes)).tolist(), np.atleast_1d(x.std(axis=axes)).tolist()


def sample_per_class(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Return sorted indices of `per_class` random examples of every class (a low-data split)."""
    rng = np.random.default_rng(seed)
    picks = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        if len(idx) < per_class:
            raise ValueError(f"class {c} has {len(idx)} examples, fewer than {per_class}")
        picks.append(rng.choice(idx, per_class, replace=False))
    return np.sort(np.concatenate(picks))


def plot_image_grid(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    cmap: str = "gray",
    size: float = 1.4,
) -> Figure:
    """Draw images (H, W) or (H, W, 3) in a grid with optional titles; return the figure."""
    if len(images) == 0:
        raise ValueError("plot_image_grid needs at least one image")
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    fig, axes = subplots(nrows, ncols, width=size, height=size * 1.15, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    return fig


def plot_filters(weight: torch.Tensor, ncols: int = 8) -> Figure:
    """Draw first-layer conv filters (out, in, kh, kw): RGB when in == 3, else channel 0."""
    w = weight.detach().float().cpu()
    if w.ndim != 4:
        raise ValueError(f"expected a 4-D conv weight, got shape {tuple(w.shape)}")
    w = (w - w.amin(dim=(1, 2, 3), keepdim=True)) / (
        w.amax(dim=(1, 2, 3), keepdim=True) - w.amin(dim=(1, 2, 3), keepdim=True) + 1e-8
    )
    tiles = [f.permute(1, 2, 0).numpy() if f.shape[0] == 3 else f[0].numpy() for f in w]
    return plot_image_grid(tiles, ncols=ncols, cmap="viridis", size=1.0)
