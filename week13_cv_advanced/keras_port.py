"""The pretrained Keras face-mask classifier, read from its HDF5 file into PyTorch (no TensorFlow).

The file (tf.keras 2.2.4) holds a Keras MobileNetV2 with a new head: 7x7 average pooling,
Dense(128, relu), Dropout(0.5), Dense(2, softmax) over [mask, no_mask]; its input is a 224x224
RGB face scaled to [-1, 1]. torchvision's MobileNetV2 has the same layers, with two differences a
port must honour: Keras pads a stride-2 3x3 convolution only on the bottom and right ("correct
pad"), where torchvision pads all sides, and Keras BatchNorm uses epsilon 1e-3, not 1e-5.
Weights change layout too: Keras kernels are (kh, kw, in, out), PyTorch's (out, in, kh, kw).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torchvision.models import mobilenet_v2

from week13_cv_advanced.labels import CLASSES as CLASSES  # kept importable from here

INPUT_SIZE = 224


class BottomRightPadConv(nn.Module):
    """Keras' stride-2 convolution: zero-pad one pixel bottom and right, then a 'valid' conv."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        conv.padding = (0, 0)
        self.pad, self.conv = nn.ZeroPad2d((0, 1, 0, 1)), conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pad, then convolve."""
        return self.conv(self.pad(x))


def keras_mobilenet_v2(n_classes: int = 2) -> nn.Module:
    """Return torchvision's MobileNetV2 rebuilt with Keras' padding, BN epsilon and mask head."""
    model = mobilenet_v2()
    for module in list(model.modules()):
        for name, child in module.named_children():
            if isinstance(child, nn.Conv2d) and child.stride == (2, 2):
                setattr(module, name, BottomRightPadConv(child))
            elif isinstance(child, nn.BatchNorm2d):
                child.eps = 1e-3
    model.classifier = nn.Sequential(
        nn.Linear(1280, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, n_classes)
    )
    return model


def keras_layer_names() -> list[str]:
    """Return the Keras MobileNetV2 conv and BN layer names in network order."""
    names = ["Conv1", "bn_Conv1"]
    names += [
        f"expanded_conv_{part}" for part in ("depthwise", "depthwise_BN", "project", "project_BN")
    ]
    for block in range(1, 17):
        for part in ("expand", "depthwise", "project"):
            names += [f"block_{block}_{part}", f"block_{block}_{part}_BN"]
    return [*names, "Conv_1", "Conv_1_bn"]


def _weights(group) -> dict[str, np.ndarray]:
    """Return one Keras layer's arrays by short name (kernel, gamma, ...)."""
    inner = group[next(iter(group))] if len(group) == 1 else group
    return {name.split(":")[0]: np.asarray(inner[name]) for name in inner}


def _load_conv(conv: nn.Conv2d, w: dict[str, np.ndarray]) -> None:
    """Copy a Keras Conv2D / DepthwiseConv2D kernel into a PyTorch conv."""
    if "depthwise_kernel" in w:
        kernel = w["depthwise_kernel"].transpose(2, 3, 0, 1)  # (kh, kw, in, 1) -> (in, 1, kh, kw)
    else:
        kernel = w["kernel"].transpose(3, 2, 0, 1)  # (kh, kw, in, out) -> (out, in, kh, kw)
    _copy(conv.weight, kernel)


def _load_bn(bn: nn.BatchNorm2d, w: dict[str, np.ndarray]) -> None:
    """Copy Keras BatchNormalization statistics and affine parameters."""
    for ours, theirs in (
        ("weight", "gamma"),
        ("bias", "beta"),
        ("running_mean", "moving_mean"),
        ("running_var", "moving_variance"),
    ):
        _copy(getattr(bn, ours), w[theirs])


def _load_dense(linear: nn.Linear, w: dict[str, np.ndarray]) -> None:
    """Copy a Keras Dense layer ((in, out) kernel) into nn.Linear ((out, in) weight)."""
    _copy(linear.weight, w["kernel"].T)
    _copy(linear.bias, w["bias"])


def _copy(tensor: torch.Tensor, array: np.ndarray) -> None:
    if tuple(tensor.shape) != array.shape:
        raise ValueError(f"shape mismatch: PyTorch {tuple(tensor.shape)}, Keras {array.shape}")
    with torch.no_grad():
        tensor.copy_(torch.from_numpy(np.ascontiguousarray(array)))


def load_keras_mask_classifier(path: Path) -> nn.Module:
    """Read the Keras HDF5 weights into `keras_mobilenet_v2()` and return it in eval mode."""
    import h5py

    model = keras_mobilenet_v2()
    layers = [m for m in model.features.modules() if isinstance(m, nn.Conv2d | nn.BatchNorm2d)]
    names = keras_layer_names()
    if len(layers) != len(names):
        raise RuntimeError(f"{len(layers)} conv/BN layers in the model, {len(names)} Keras names")
    with h5py.File(path, "r") as f:
        if "model_weights" not in f:
            raise ValueError(f"{path.name} is not a Keras model file (no model_weights group)")
        weights = f["model_weights"]
        for name, layer in zip(names, layers, strict=True):
            loader = _load_conv if isinstance(layer, nn.Conv2d) else _load_bn
            loader(layer, _weights(weights[name]))
        _load_dense(model.classifier[0], _weights(weights["dense"]))
        _load_dense(model.classifier[3], _weights(weights["dense_1"]))
    return model.eval()


def keras_preprocess(faces_rgb: list[np.ndarray] | np.ndarray) -> torch.Tensor:
    """Resize RGB uint8 faces to 224x224 and scale to [-1, 1], as Keras' MobileNetV2 expects."""
    import cv2

    batch = np.stack([cv2.resize(f, (INPUT_SIZE, INPUT_SIZE)) for f in faces_rgb])
    return torch.from_numpy(batch).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
