"""Looking inside a CNN: intermediate feature maps and Grad-CAM class-activation maps."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


@torch.no_grad()
def feature_maps(model: nn.Module, x: torch.Tensor, layers: list[int]) -> dict[int, torch.Tensor]:
    """Return the activations of `model.features[i]` for each i in `layers`, for one batch x."""
    maps, out = {}, x
    for i, block in enumerate(model.features):
        out = block(out)
        if i in layers:
            maps[i] = out
    return maps


def grad_cam(
    model: nn.Module, x: torch.Tensor, target: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Grad-CAM (Selvaraju et al. 2017) on the last feature block of a MobileNet-style model.

    Returns (maps, classes): one (H, W) map per image, scaled to [0, 1] and upsampled to the
    input size, for `target` classes (default: each image's top-1 class).
    """
    model.eval()
    activations = model.features(x)
    activations.retain_grad()
    logits = model.classifier(F.adaptive_avg_pool2d(activations, 1).flatten(1))
    target = logits.argmax(1) if target is None else target
    logits.gather(1, target[:, None]).sum().backward()
    weights = activations.grad.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((weights * activations).sum(1, keepdim=True)).detach()
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    cam = cam - cam.amin(dim=(1, 2), keepdim=True)
    return cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-8), target


def deletion_drop(
    model: nn.Module,
    x: torch.Tensor,
    saliency: torch.Tensor,
    target: torch.Tensor,
    fraction: float = 0.2,
) -> torch.Tensor:
    """Drop in target-class probability when the `fraction` most salient pixels are blanked out.

    The deletion test of Petsiuk et al. (2018): a faithful map points at pixels the model needs,
    so deleting them hurts more than deleting the same region shifted elsewhere.
    """
    flat = saliency.flatten(1)
    k = int(fraction * flat.shape[1])
    keep = torch.ones_like(flat)
    keep.scatter_(1, flat.topk(k, dim=1).indices, 0.0)
    masked = x * keep.view_as(saliency)[:, None]
    with torch.no_grad():
        before = model(x).softmax(1).gather(1, target[:, None])[:, 0]
        after = model(masked).softmax(1).gather(1, target[:, None])[:, 0]
    return before - after
