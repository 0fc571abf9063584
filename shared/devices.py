"""Device and precision choice for PyTorch code.

`--device auto` picks CUDA, then Apple MPS, then the CPU. `--precision auto` (or the
`ML_ROADMAP_PRECISION` variable) trains in the mixed precision a device computes natively (bf16
or fp16 on CUDA, bf16 on a CPU with AMX) and in fp32 elsewhere; `fp32` or `bf16` force one, e.g.
to time a week as a CPU without AMX runs it. Code that trains asks `precision_for` and reports
its answer through `use_precision`, so the CLI can write it to metrics.json (`info.precision`).
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISION_CHOICES = ("auto", "fp32", "bf16")
PRECISION_ENV = "ML_ROADMAP_PRECISION"

_used: set[str] = set()


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


def requested_precision() -> str:
    """Return the precision setting (ML_ROADMAP_PRECISION, default auto), or say why it is bad."""
    value = os.environ.get(PRECISION_ENV, "") or "auto"
    if value not in PRECISION_CHOICES:
        choices = "|".join(PRECISION_CHOICES)
        raise ValueError(f"{PRECISION_ENV} must be one of {choices}, not {value!r}")
    return value


@contextlib.contextmanager
def precision_setting(value: str | None) -> Iterator[None]:
    """Set ML_ROADMAP_PRECISION for the block (None keeps it) and restore it afterwards.

    The variable, not a module global, carries the choice, so processes a run starts inherit it.
    """
    before = os.environ.get(PRECISION_ENV)
    if value is not None:
        os.environ[PRECISION_ENV] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PRECISION_ENV, None)
        else:
            os.environ[PRECISION_ENV] = before


def precision_for(device: torch.device) -> str:
    """Return the precision to train in on `device`: the forced one, or what it computes natively.

    `auto` gives bf16/fp16 on CUDA and bf16 on a CPU with Intel's AMX tiles (Sapphire Rapids and
    later), which multiply bf16 in hardware: week 10's CNN trains about 1.8 times faster than in
    fp32 (`make bench` measures it on a smaller one). A CPU without them would emulate bf16
    slowly, so it keeps fp32.
    """
    import torch

    requested = requested_precision()
    if requested != "auto":
        return requested
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if device.type == "cpu" and cpu_has_amx():
        return "bf16"
    return "fp32"


def cpu_has_amx() -> bool:
    """Return whether this CPU has AMX tiles (torch's own probe; False where torch lacks one)."""
    import torch

    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(probe and probe())


def cpu_name() -> str:
    """Return the CPU's model name (from /proc/cpuinfo on Linux, else the platform's answer)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info(device: str = "auto") -> dict[str, object]:
    """Return what a run's timings depend on: CPU, cores, AMX, device and training precision."""
    import torch

    resolved = resolve_device(device)
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "amx": cpu_has_amx(),
        "device": resolved,
        "precision": precision_for(torch.device(resolved)),
    }


def use_precision(precision: str) -> str:
    """Record that training runs in `precision` (for the run's metrics.json) and return it."""
    _used.add(precision)
    return precision


def take_used_precisions() -> list[str]:
    """Return the precisions recorded since the last call, sorted, and forget them."""
    used = sorted(_used)
    _used.clear()
    return used
