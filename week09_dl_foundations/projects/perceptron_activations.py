"""Perceptron and activation functions.

Rosenblatt's perceptron learns to tell handwritten 0s from 1s (a linearly separable pair of
MNIST digits) with the perceptron rule; it then fails on 4 vs 9, which no line separates well.
ReLU, sigmoid and tanh are plotted with their derivatives: the sigmoid's slope never exceeds
0.25, which is why deep sigmoid networks learn slowly and ReLU took over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from shared.vision import load_mnist
from week09_dl_foundations.activations import ACTIVATIONS, Perceptron


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    train_images: int | None = None  # the first this many training images; None: all
    epochs: int = 10


FULL = Config()
FAST = Config(train_images=2000, epochs=3)

# Novikoff (1962): on linearly separable data the perceptron converges; MNIST 0 vs 1 is
# separable up to a handful of odd digits, so >= 99% test accuracy is the expected result.
BARS = [
    Bar(
        "accuracy_0_vs_1",
        ">=",
        0.99,
        "Novikoff 1962 convergence theorem; MNIST 0/1 are linearly separable",
    )
]


def _pair(x: np.ndarray, y: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    keep = (y == a) | (y == b)
    return x[keep].reshape(keep.sum(), -1) / 255.0, (y[keep] == b).astype(int)


def run(ctx: RunContext) -> dict[str, float]:
    """Train perceptrons on two digit pairs and plot the activation functions."""
    config = FAST if ctx.fast else FULL
    splits, _ = load_mnist(ctx.dataset("mnist"))
    n = config.train_images
    metrics, curves = {}, {}
    for a, b in [(0, 1), (4, 9)]:
        xtr, ytr = _pair(splits.x_train[:n], splits.y_train[:n], a, b)
        xte, yte = _pair(splits.x_test, splits.y_test, a, b)
        model = Perceptron(epochs=config.epochs, seed=ctx.seed).fit(xtr, ytr)
        metrics[f"accuracy_{a}_vs_{b}"] = float(np.mean(model.predict(xte) == yte))
        curves[f"{a} vs {b}"] = model.mistakes_
        ctx.log(f"perceptron {a} vs {b}: test accuracy {metrics[f'accuracy_{a}_vs_{b}']:.4f}")

    fig, ax = subplots(width=5.5, height=3.5)
    for name, mistakes in curves.items():
        ax.plot(range(1, len(mistakes) + 1), mistakes, marker="o", label=name)
    label(ax, "Perceptron: mistakes per epoch", "epoch", "training mistakes")
    ax.set_yscale("symlog")
    ax.legend()
    ctx.save_figure(
        fig,
        "perceptron_mistakes",
        "0 vs 1 is learned within a few passes; 4 vs 9 keeps making mistakes: no line separates it",
    )

    z = np.linspace(-5, 5, 401)
    fig, axes = subplots(1, 3, width=3.6, height=3.0)
    for ax, (name, (f, df)) in zip(axes, ACTIVATIONS.items(), strict=True):
        ax.plot(z, f(z), label=name)
        ax.plot(z, df(z), "--", label="derivative")
        label(ax, name, "z")
        ax.legend()
    ctx.save_figure(
        fig,
        "activations",
        "The sigmoid's slope never exceeds 0.25 and vanishes at both ends; "
        "ReLU's is 1 for every positive input",
    )
    ctx.note(
        f"The perceptron separates 0 from 1 with {metrics['accuracy_0_vs_1']:.1%} test accuracy "
        f"but reaches only {metrics['accuracy_4_vs_9']:.1%} on 4 vs 9."
    )
    return metrics
