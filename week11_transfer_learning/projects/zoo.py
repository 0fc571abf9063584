"""A zoo of pretrained CNNs compared on the same photos and the same transfer task.

Every family whose ImageNet weights are at hand (zoo.py: MobileNetV2 and EfficientNet-Lite0 from
the registry; ResNet-18/50, EfficientNet-B0 and VGG-16 when their torchvision files are in the
weights folder) is measured four ways: zero-shot top-1/top-5 on the 20 labelled foolbox photos,
transfer accuracy on the `transfer` project's low-data split by feature extraction (frozen
backbone, cached features, a logistic regression whose C is chosen on the validation split),
its parameter count, and its CPU time per 224 px image (one thread, the families taking turns).
A family whose file is missing is listed in the report with the file and the folder it would
be read from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import DataLoader, Dataset

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.plotting import label, subplots
from week11_transfer_learning.low_data import load_task
from week11_transfer_learning.pretrained import imagenet_transform, read_sample_photos
from week11_transfer_learning.zoo import (
    FAMILIES,
    Family,
    cpu_latency_ms,
    load,
    parameter_count,
    weights_dir,
    weights_for,
)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    per_class: tuple[int, int, int] = (50, 20, 200)  # the transfer project's split
    image_size: int = 128  # the flower photos' side (Fashion-MNIST stays at 64), as in transfer
    photos: int | None = None  # the first this many sample photos; None: all 20
    latency_repeats: int = 30  # single-image forward passes timed per family
    c_grid: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)  # logistic regression C, chosen on val


FULL = Config()
FAST = Config(per_class=(10, 5, 20), image_size=96, photos=6, latency_repeats=3, c_grid=(1.0,))

# Published ImageNet-1k top-1: MobileNetV2 71.9% (torchvision IMAGENET1K_V1), EfficientNet-Lite0
# 75.1% (TensorFlow's efficientnet/lite README); top-5 is near 90% for both. 20 photos cannot
# measure either rate (one photo is 5 points), so the bar is a sanity check that weights,
# architecture and preprocessing fit together: most photos' class among the top 5.
BARS = [
    Bar(f"{name}_top5", ">=", 0.80, f"{FAMILIES[name].reference}: ~90% top-5; 20-photo sanity")
    for name in ("mobilenet_v2", "efficientnet_lite0")
]


@dataclass(frozen=True)
class Scores:
    """What the project measures of one family."""

    top1: float
    top5: float
    transfer: float
    params: int
    latency_ms: float


@torch.inference_mode()
def features(model: nn.Module, data: Dataset, device: str) -> tuple[np.ndarray, np.ndarray]:
    """Run a headless backbone once over `data`; return (pooled features, labels) as arrays."""
    model = model.to(device)
    feats, labels = [], []
    for x, y in DataLoader(data, batch_size=64):
        feats.append(model(x.to(device)).flatten(1).cpu())
        labels.append(y)
    return torch.cat(feats).numpy(), torch.cat(labels).numpy()


def linear_probe(
    splits: list[tuple[np.ndarray, np.ndarray]], c_grid: tuple[float, ...], seed: int
) -> float:
    """Fit a logistic regression on train features for each C, keep the best on validation,
    and return its test accuracy."""
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = splits
    best, best_acc = None, -1.0
    for c in c_grid:
        probe = make_pipeline(
            StandardScaler(), LogisticRegression(C=c, max_iter=3000, random_state=seed)
        ).fit(x_tr, y_tr)
        acc = probe.score(x_va, y_va)
        if acc > best_acc:
            best, best_acc = probe, acc
    return float(best.score(x_te, y_te))


def score_family(
    family: Family,
    weights: Path,
    photos: torch.Tensor,
    labels: torch.Tensor,
    task: list[Dataset],
    config: Config,
    ctx: RunContext,
) -> tuple[nn.Module, dict[str, float]]:
    """Zero-shot on the photos, linear probe on the task, parameters; also return the network."""
    device = resolve_device(ctx.device)
    model = load(family, weights)
    with torch.inference_mode():
        top5 = model(photos).topk(5, dim=1).indices
    ctx.log(f"{family.title}: transfer features")
    splits = [features(load(family, weights, features_only=True), d, device) for d in task]
    measured = {
        "top1": (top5[:, 0] == labels).float().mean().item(),
        "top5": (top5 == labels[:, None]).any(1).float().mean().item(),
        "transfer": linear_probe(splits, config.c_grid, ctx.seed),
        "params": parameter_count(model),
    }
    ctx.log(
        f"{family.title}: top-1 {measured['top1']:.2f}, top-5 {measured['top5']:.2f}, "
        f"transfer {measured['transfer']:.3f}, {measured['params'] / 1e6:.2f}M params"
    )
    return model, measured


def standard_error(accuracy: float, n: int) -> float:
    """One binomial standard error of an accuracy measured on n test images."""
    return float(np.sqrt(accuracy * (1 - accuracy) / n))


def plot(ctx: RunContext, scores: dict[str, Scores], task: str, n_test: int, n_photos: int) -> None:
    """Transfer accuracy (with one standard error) against CPU latency; zero-shot hits."""
    from matplotlib.ticker import NullFormatter

    fig, (ax, bx) = subplots(1, 2, width=5.4, height=3.8)
    for i, (name, s) in enumerate(scores.items()):
        ax.errorbar(
            s.latency_ms, s.transfer, yerr=standard_error(s.transfer, n_test), fmt="none", c="0.4"
        )
        ax.scatter(s.latency_ms, s.transfer, s=25 * s.params / 1e6, alpha=0.6)
        ax.annotate(
            f"{FAMILIES[name].title}\n{s.params / 1e6:.1f}M params",
            (s.latency_ms, s.transfer),
            textcoords="offset points",
            xytext=(6, 6 if i % 2 == 0 else -22),  # alternate, so neighbours' labels part
            fontsize=8,
        )
    ax.set_xscale("log")
    ticks = sorted(s.latency_ms for s in scores.values())
    ax.set_xticks(ticks, [f"{t:.0f}" for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.margins(0.3)
    label(ax, f"transfer to {task} (frozen features)", "CPU ms per 224 px image", "test accuracy")
    names = list(scores)
    x = np.arange(len(names))
    bx.bar(x - 0.2, [scores[n].top1 for n in names], 0.4, label="top-1")
    bx.bar(x + 0.2, [scores[n].top5 for n in names], 0.4, label="top-5")
    bx.set_xticks(x, [FAMILIES[n].title for n in names], rotation=20, fontsize=8)
    bx.set_ylim(0, 1.05)
    bx.legend(loc="lower right")
    label(bx, f"zero-shot on {n_photos} ImageNet photos", "", "accuracy")
    accs = [s.transfer for s in scores.values()]
    ctx.save_figure(
        fig,
        "accuracy_params_latency",
        f"Frozen ImageNet features on {task}: {min(accs):.1%} to {max(accs):.1%} test accuracy "
        f"across {len(scores)} families (bars: one standard error); marker area is parameters",
    )


def run(ctx: RunContext) -> dict[str, float]:
    """Score every family whose weights are at hand on the same photos and the same split."""
    config = FAST if ctx.fast else FULL
    sample = read_sample_photos(ctx.dataset("foolbox_samples"))[: config.photos]
    transform = imagenet_transform()
    photos = torch.stack([transform(p.image) for p in sample])
    labels = torch.tensor([p.label for p in sample])
    (_, *task), _, task_name, size = load_task(ctx, config.per_class, config.image_size)
    folder = weights_dir()
    ctx.info["torch_threads"] = torch.get_num_threads()
    models, measured, missing = {}, {}, []
    for name, family in FAMILIES.items():
        try:
            weights = weights_for(family, ctx.dataset, folder)
        except FileNotFoundError:
            missing.append(family)
            continue
        if family.registry is None:
            ctx.info[f"{name}_weights"] = weights.name
        models[name], measured[name] = score_family(
            family, weights, photos, labels, task, config, ctx
        )
    ctx.log("CPU latency: the families take turns, one image at a time, on one thread")
    latency = cpu_latency_ms(models, config.latency_repeats)
    scores = {n: Scores(**m, latency_ms=latency[n]) for n, m in measured.items()}
    plot(ctx, scores, task_name, len(task[-1]), len(sample))
    ctx.note(_table(scores, task_name, config, size, len(task[-1])))
    if missing:
        ctx.note(
            f"Not compared (no package registry ships their ImageNet weights; put the file in "
            f"`{folder}` to add them): "
            + ", ".join(f"{f.title} (`{f.weights_file}`, {f.url})" for f in missing)
            + "."
        )
    metrics: dict[str, float] = {"families": len(scores)}
    for name, s in scores.items():
        metrics |= {
            f"{name}_top1": s.top1,
            f"{name}_top5": s.top5,
            f"{name}_transfer_accuracy": s.transfer,
            f"{name}_params_m": s.params / 1e6,
            f"{name}_latency_ms": s.latency_ms,
        }
    return metrics


def _table(scores: dict[str, Scores], task: str, config: Config, size: int, n_test: int) -> str:
    """The comparison as a Markdown table, with the published ImageNet top-1 beside ours."""
    counts = "/".join(map(str, config.per_class))
    noise = 2 * max(standard_error(s.transfer, n_test) for s in scores.values())
    load, cores = os.getloadavg()[0], os.cpu_count()
    rows = [
        f"{len(scores)} families, the same photos and the same split: {task}, {counts} "
        f"train/val/test images per class at {size} px. Transfer accuracies closer than "
        f"{noise:.1%} are within two standard errors of {n_test} test images. CPU ms: the best "
        f"of {config.latency_repeats} single-image passes on one thread (1-minute load average "
        f"{load:.1f} on {cores} cores when the table was written: other work inflates it).",
        "",
        "| family | params | CPU ms/image | ImageNet top-1 (published) | zero-shot top-1 | "
        "zero-shot top-5 | transfer accuracy |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in scores.items():
        f = FAMILIES[name]
        rows.append(
            f"| {f.title} | {s.params / 1e6:.2f}M | {s.latency_ms:.1f} | {f.top1:.1f}% | "
            f"{s.top1:.0%} | {s.top5:.0%} | {s.transfer:.1%} |"
        )
    return "\n".join(rows)
