"""Convolution and pooling from scratch.

NumPy convolution (im2col + one matrix product) and max/average pooling, forward and backward,
checked against torch.nn.functional and autograd, then applied to a real Fashion-MNIST photo
with hand-made edge filters, so the feature maps a CNN learns have a familiar starting point.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import subplots
from shared.vision import load_fashion_mnist
from week10_cnn.conv_numpy import (
    avg_pool2d,
    conv2d,
    conv2d_backward,
    max_pool2d,
    max_pool2d_backward,
)

# The roadmap's tolerance: from-scratch layers match torch.nn.functional to 1e-5 (float64 here).
BARS = [
    Bar("conv_max_abs_diff", "<=", 1e-5, "torch.nn.functional.conv2d, forward and backward"),
    Bar("pool_max_abs_diff", "<=", 1e-5, "torch.nn.functional.max_pool2d / avg_pool2d"),
]
EDGE_FILTERS = {
    "vertical edges (Sobel x)": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "horizontal edges (Sobel y)": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur (box)": [[1 / 9] * 3] * 3,
    "outline (Laplacian)": [[0, -1, 0], [-1, 4, -1], [0, -1, 0]],
}


def check_against_torch(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> tuple[float, float]:
    """Return max |NumPy - torch| for conv (output and all gradients) and for both poolings."""
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    grad = np.random.default_rng(0).standard_normal(out_t.shape)
    out_t.backward(torch.from_numpy(grad))
    d_x, d_w, d_b = conv2d_backward(grad, x, w, stride, padding)
    conv = max(
        np.abs(conv2d(x, w, b, stride, padding) - out_t.detach().numpy()).max(),
        *(np.abs(a - t.grad.numpy()).max() for a, t in [(d_x, xt), (d_w, wt), (d_b, bt)]),
    )

    xp = torch.tensor(x, requires_grad=True)
    pooled = F.max_pool2d(xp, 2)
    pooled.backward(torch.ones_like(pooled))
    pool = max(
        np.abs(max_pool2d(x) - pooled.detach().numpy()).max(),
        np.abs(avg_pool2d(x) - F.avg_pool2d(torch.from_numpy(x), 2).numpy()).max(),
        np.abs(max_pool2d_backward(np.ones(pooled.shape), x) - xp.grad.numpy()).max(),
    )
    return float(conv), float(pool)


def run(ctx: RunContext) -> dict[str, float]:
    """Check the NumPy layers against PyTorch and show edge filters on a real image."""
    rng = np.random.default_rng(ctx.seed)
    data = load_fashion_mnist(ctx.dataset)
    x = data.x_test[:4, None].astype(np.float64) / 255
    w, b = rng.standard_normal((8, 1, 3, 3)), rng.standard_normal(8)
    results = [check_against_torch(x, w, b, s, p) for s, p in [(1, 0), (1, 1), (2, 1)]]
    conv_diff, pool_diff = max(r[0] for r in results), max(r[1] for r in results)
    ctx.log(f"max |NumPy - torch|: conv {conv_diff:.1e}, pooling {pool_diff:.1e}")

    image = x[:1]
    kernels = np.array(list(EDGE_FILTERS.values()), dtype=np.float64)[:, None]
    maps = conv2d(image, kernels, padding=1)[0]
    fig, axes = subplots(2, 1 + len(EDGE_FILTERS), width=2.2, height=2.3)
    axes[0, 0].imshow(image[0, 0], cmap="gray")
    axes[0, 0].set_title(f"input: {data.classes[data.y_test[0]]}", fontsize=9)
    axes[1, 0].imshow(max_pool2d(image)[0, 0], cmap="gray")
    axes[1, 0].set_title("2x2 max-pooled", fontsize=9)
    for i, name in enumerate(EDGE_FILTERS):
        axes[0, i + 1].imshow(maps[i], cmap="RdBu_r")
        axes[0, i + 1].set_title(name, fontsize=9)
        axes[1, i + 1].imshow(max_pool2d(np.maximum(maps[i : i + 1][None], 0))[0, 0], cmap="magma")
        axes[1, i + 1].set_title("ReLU + max-pool", fontsize=9)
    for ax in axes.flat:
        ax.axis("off")
    ctx.save_figure(
        fig,
        "edge_filters",
        "Hand-made filters pick out vertical and horizontal edges; "
        "pooling halves the map and keeps the strongest response",
    )
    ctx.note(
        "NumPy convolution and pooling agree with torch.nn.functional to "
        f"{max(conv_diff, pool_diff):.1e} "
        "(outputs and every gradient, strides 1 and 2, padding 0 and 1)."
    )
    return {"conv_max_abs_diff": conv_diff, "pool_max_abs_diff": pool_diff}
