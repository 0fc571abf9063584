"""2-D convolution and pooling from scratch in NumPy, forward and backward, NCHW like PyTorch.

Convolution is written as im2col + one matrix product: every receptive field becomes a column,
so the layer is a single GEMM, which is also how fast libraries do it. Like PyTorch's conv2d it
is a cross-correlation (the kernel is not flipped).
"""

from __future__ import annotations

import numpy as np


def _out_size(size: int, k: int, stride: int, padding: int) -> int:
    out = (size + 2 * padding - k) // stride + 1
    if out < 1:
        raise ValueError(f"kernel {k} with padding {padding} does not fit an input of size {size}")
    return out


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Return the receptive fields of x (N, C, H, W) as rows: (N * OH * OW, C * kh * kw)."""
    n, c, h, w = x.shape
    oh, ow = _out_size(h, kh, stride, padding), _out_size(w, kw, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    s = xp.strides
    windows = np.lib.stride_tricks.as_strided(
        xp, (n, oh, ow, c, kh, kw), (s[0], s[2] * stride, s[3] * stride, s[1], s[2], s[3])
    )
    return windows.reshape(n * oh * ow, c * kh * kw)


def col2im(
    cols: np.ndarray, x_shape: tuple, kh: int, kw: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Scatter-add rows of receptive fields back into an (N, C, H, W) array (im2col's adjoint)."""
    n, c, h, w = x_shape
    oh, ow = _out_size(h, kh, stride, padding), _out_size(w, kw, stride, padding)
    xp = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    cols = cols.reshape(n, oh, ow, c, kh, kw)
    for i in range(kh):
        for j in range(kw):
            xp[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] += cols[
                :, :, :, :, i, j
            ].transpose(0, 3, 1, 2)
    return xp[:, :, padding : padding + h, padding : padding + w]


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
) -> np.ndarray:
    """Cross-correlate x (N, C, H, W) with weight (F, C, kh, kw): output (N, F, OH, OW)."""
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"shapes do not match: input {x.shape}, weight {weight.shape}")
    n, _, h, w = x.shape
    f, _, kh, kw = weight.shape
    oh, ow = _out_size(h, kh, stride, padding), _out_size(w, kw, stride, padding)
    out = im2col(x, kh, kw, stride, padding) @ weight.reshape(f, -1).T
    if bias is not None:
        out = out + bias
    return out.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


def conv2d_backward(
    grad_out: np.ndarray, x: np.ndarray, weight: np.ndarray, stride: int = 1, padding: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (dL/dx, dL/dweight, dL/dbias) of conv2d given dL/doutput."""
    f, _, kh, kw = weight.shape
    g = grad_out.transpose(0, 2, 3, 1).reshape(-1, f)
    d_weight = (g.T @ im2col(x, kh, kw, stride, padding)).reshape(weight.shape)
    d_x = col2im(g @ weight.reshape(f, -1), x.shape, kh, kw, stride, padding)
    return d_x, d_weight, g.sum(axis=0)


def max_pool2d(x: np.ndarray, size: int = 2, stride: int | None = None) -> np.ndarray:
    """Max over size x size windows of every channel (stride defaults to size)."""
    return _pool_windows(x, size, stride or size).max(axis=-1)


def avg_pool2d(x: np.ndarray, size: int = 2, stride: int | None = None) -> np.ndarray:
    """Mean over size x size windows of every channel (stride defaults to size)."""
    return _pool_windows(x, size, stride or size).mean(axis=-1)


def max_pool2d_backward(
    grad_out: np.ndarray, x: np.ndarray, size: int = 2, stride: int | None = None
) -> np.ndarray:
    """Route each output gradient to the input that won its window's max (first one on ties)."""
    stride = stride or size
    n, c, h, w = x.shape
    windows = _pool_windows(x, size, stride)
    winners = windows.argmax(axis=-1)
    cols = np.zeros(windows.shape, dtype=grad_out.dtype)
    np.put_along_axis(cols, winners[..., None], grad_out[..., None], axis=-1)
    oh, ow = windows.shape[2:4]
    cols = cols.reshape(n, c, oh, ow, size, size).transpose(0, 2, 3, 1, 4, 5)
    return col2im(cols.reshape(n * oh * ow, -1), (n, c, h, w), size, size, stride)


def _pool_windows(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    """Return (N, C, OH, OW, size*size) windows of x, one channel at a time."""
    n, c, h, w = x.shape
    cols = im2col(x.reshape(n * c, 1, h, w), size, size, stride)
    oh, ow = _out_size(h, size, stride, 0), _out_size(w, size, stride, 0)
    return cols.reshape(n, c, oh, ow, size * size)
