"""Device choice for PyTorch code: `auto` picks CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str = "auto") -> str:
    """Return a concrete torch device name for a --device flag, or explain why it cannot be used."""
    import torch

    if name not in DEVICE_CHOICES:
        raise ValueError(f"--device must be one of {DEVICE_CHOICES}, not {name!r}")
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cuda" and not cuda:
        raise ValueError("--device cuda asked for, but PyTorch sees no CUDA GPU; use --device cpu")
    if name == "mps" and not mps:
        raise ValueError("--device mps asked for, but this PyTorch has no Apple MPS backend")
    return name
