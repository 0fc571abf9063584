"""MSE and cross-entropy losses with their gradients, checked against PyTorch.

The losses and hand-derived gradients of losses.py are compared with `torch.nn.functional`'s
losses and `torch.autograd` on random batches, including extreme logits (±500) where a naive
log(sigmoid) would overflow. The figure shows each loss and its gradient against the model's
output: cross-entropy's gradient never vanishes for a confident wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from shared.bars import Bar
from shared.context import RunContext
from shared.evaluation import relative_error
from shared.plotting import label, subplots
from week04_calculus import losses


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    batches: int = 200  # random batches checked, every tenth at extreme scale


FULL = Config()
FAST = Config(batches=10)

# Goodfellow et al. (2016) Deep Learning §6.2.2: ∂CE/∂z = softmax(z) − y, ∂BCE/∂z = σ(z) − y.
_REF = "torch.nn.functional + autograd; Goodfellow et al. (2016) §6.2.2"
BARS = [
    Bar("mse_rel_err_torch", "<=", 1e-6, _REF),
    Bar("mse_grad_rel_err_autograd", "<=", 1e-6, _REF),
    Bar("bce_rel_err_torch", "<=", 1e-6, _REF),
    Bar("bce_grad_rel_err_autograd", "<=", 1e-6, _REF),
    Bar("ce_rel_err_torch", "<=", 1e-6, _REF),
    Bar("ce_grad_rel_err_autograd", "<=", 1e-6, _REF),
]


def torch_value_and_grad(
    loss_fn, output: np.ndarray, target: torch.Tensor
) -> tuple[float, np.ndarray]:
    """Return a torch loss and its gradient with respect to the output, in float64."""
    t = torch.tensor(output, dtype=torch.float64, requires_grad=True)
    value = loss_fn(t, target)
    value.backward()
    return float(value.detach()), t.grad.numpy()


def check_batch(
    rng: np.random.Generator, n: int, k: int, scale: float
) -> dict[str, tuple[float, float]]:
    """Return {loss: (value rel err, grad rel err)} on one random batch, logits of size ~scale."""
    results = {}
    pred, y = rng.normal(0, scale, n), rng.normal(0, 1, n)
    ref, ref_grad = torch_value_and_grad(F.mse_loss, pred, torch.tensor(y))
    results["mse"] = (
        relative_error(losses.mse(pred, y), ref),
        relative_error(losses.mse_grad(pred, y), ref_grad),
    )

    logits, labels = rng.normal(0, scale, n), rng.integers(0, 2, n).astype(float)
    ref, ref_grad = torch_value_and_grad(
        F.binary_cross_entropy_with_logits, logits, torch.tensor(labels)
    )
    results["bce"] = (
        relative_error(losses.binary_cross_entropy(logits, labels), ref),
        relative_error(losses.binary_cross_entropy_grad(logits, labels), ref_grad),
    )

    logits, classes = rng.normal(0, scale, (n, k)), rng.integers(0, k, n)
    ref, ref_grad = torch_value_and_grad(F.cross_entropy, logits, torch.tensor(classes))
    results["ce"] = (
        relative_error(losses.cross_entropy(logits, classes), ref),
        relative_error(losses.cross_entropy_grad(logits, classes), ref_grad),
    )
    return results


def loss_figure(ctx: RunContext) -> None:
    """Figure: each loss and its gradient against the model's output, for a target of 1."""
    z = np.linspace(-6, 6, 400)
    one = np.ones(1)
    fig, (left, right) = subplots(1, 2, width=5.4, height=4.0)
    mse = [losses.mse(np.array([v]), one) for v in z]
    bce = [losses.binary_cross_entropy(np.array([v]), one) for v in z]
    left.plot(z, mse, label="MSE (ŷ − 1)²")
    left.plot(z, bce, label="BCE on logit z, y = 1")
    left.set_ylim(0, 8)
    left.legend()
    label(left, "Loss", "model output (ŷ or logit z)", "loss")
    right.plot(z, [losses.mse_grad(np.array([v]), one)[0] for v in z], label="∂MSE/∂ŷ = 2(ŷ − 1)")
    right.plot(
        z,
        [losses.binary_cross_entropy_grad(np.array([v]), one)[0] for v in z],
        label="∂BCE/∂z = σ(z) − 1",
    )
    right.set_ylim(-3, 3)
    right.axhline(0, color="grey", lw=0.8)
    right.legend()
    label(right, "Gradient", "model output (ŷ or logit z)", "gradient")
    ctx.save_figure(
        fig,
        "loss_and_gradient",
        "Cross-entropy's gradient is bounded by 1 and fades only when the answer is right; "
        "MSE's grows without bound",
    )


def run(ctx: RunContext) -> dict[str, float]:
    """Check each loss and gradient on random batches of moderate and extreme scale."""
    config = FAST if ctx.fast else FULL
    rng = np.random.default_rng(ctx.seed)
    worst: dict[str, list[float]] = {}
    batches = config.batches
    for i in range(batches):
        scale = 500.0 if i % 10 == 9 else 3.0
        for name, (value_err, grad_err) in check_batch(rng, 64, 10, scale).items():
            worst.setdefault(f"{name}_rel_err_torch", []).append(value_err)
            worst.setdefault(f"{name}_grad_rel_err_autograd", []).append(grad_err)
    loss_figure(ctx)
    ctx.note(
        f"{batches} batches of 64 examples (10 classes for cross-entropy); every tenth batch has "
        "logits around ±500, where exp overflows unless the log-sum-exp is shifted by its max "
        "and log(1 + e^−|z|) replaces log(sigmoid)."
    )
    return {name: max(values) for name, values in worst.items()}
