"""Derivatives, gradients, the chain rule, Jacobians and Hessians, three ways.

Each derivative is worked out by hand (analytic), estimated by central differences (numerical,
calculus.py) and computed by reverse-mode automatic differentiation (`torch.autograd`), and the
three are compared. The figure shows why finite differences are a check and not a method: the
step h trades truncation error against rounding error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.autograd.functional import hessian, jacobian

from shared.bars import Bar
from shared.context import RunContext
from shared.evaluation import relative_error
from shared.plotting import label, subplots
from week04_calculus.calculus import (
    central_difference,
    forward_difference,
    numerical_gradient,
    numerical_hessian,
    numerical_jacobian,
)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    points: int = 200  # random points each derivative is checked at


FULL = Config()
FAST = Config(points=20)

# Analytic derivatives must equal autograd to rounding (Baydin et al. 2018, "Automatic
# differentiation in machine learning: a survey", JMLR 18); central differences with
# h = eps^(1/3) agree to about eps^(2/3) ≈ 4e-11 relative (Nocedal & Wright §8.1).
_AD = "Baydin et al. (2018) JMLR 18: AD is exact to rounding"
_FD = "Nocedal & Wright (2006) §8.1: central differences err O(eps^(2/3))"
BARS = [
    Bar("derivative_rel_err_autograd", "<=", 1e-6, _AD),
    Bar("gradient_rel_err_autograd", "<=", 1e-6, _AD),
    Bar("chain_rule_rel_err_autograd", "<=", 1e-6, _AD),
    Bar("jacobian_rel_err_autograd", "<=", 1e-6, _AD),
    Bar("hessian_rel_err_autograd", "<=", 1e-6, _AD),
    Bar("numerical_rel_err_autograd", "<=", 1e-6, _FD),
]


def bump(x):
    """f(x) = sin(x)·e^(−x²/2) + x³/10: a wiggle on a cubic (works on floats and tensors)."""
    lib = torch if isinstance(x, torch.Tensor) else math
    return lib.sin(x) * lib.exp(-(x**2) / 2) + x**3 / 10


def bump_prime(x: float) -> float:
    """f'(x) = (cos x − x sin x)·e^(−x²/2) + 3x²/10, by the product and chain rules."""
    return (math.cos(x) - x * math.sin(x)) * math.exp(-(x**2) / 2) + 3 * x**2 / 10


def rosenbrock(p):
    """Rosenbrock's banana f(x, y) = (1 − x)² + 100(y − x²)²; minimum 0 at (1, 1)."""
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def rosenbrock_grad(p: np.ndarray) -> np.ndarray:
    """∇f = (−2(1 − x) − 400x(y − x²), 200(y − x²))."""
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def rosenbrock_hessian(p: np.ndarray) -> np.ndarray:
    """∇²f = [[2 − 400y + 1200x², −400x], [−400x, 200]]."""
    x, y = p
    return np.array([[2 - 400 * y + 1200 * x**2, -400 * x], [-400 * x, 200.0]])


def warp(p):
    """F: ℝ³ → ℝ²: (x²y, 5x + sin(y)·z), a small nonlinear map for Jacobians."""
    lib = torch if isinstance(p, torch.Tensor) else np
    return lib.stack([p[0] ** 2 * p[1], 5 * p[0] + lib.sin(p[1]) * p[2]])


def warp_jacobian(p: np.ndarray) -> np.ndarray:
    """J_F = [[2xy, x², 0], [5, z cos y, sin y]]."""
    x, y, z = p
    return np.array([[2 * x * y, x**2, 0.0], [5.0, z * math.cos(y), math.sin(y)]])


def softplus_norm(u):
    """g: ℝ² → ℝ, g(u) = log(1 + e^(u₁)) + u₂²/2, the outer function of the chain-rule example."""
    lib = torch if isinstance(u, torch.Tensor) else np
    return lib.log1p(lib.exp(u[0])) + u[1] ** 2 / 2


def softplus_norm_grad(u: np.ndarray) -> np.ndarray:
    """∇g = (σ(u₁), u₂)."""
    return np.array([1 / (1 + math.exp(-u[0])), u[1]])


def autograd_derivative(f, x: float) -> float:
    """Return f'(x) by reverse-mode AD in float64."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f(t).backward()
    return float(t.grad)


def step_size_figure(ctx: RunContext, x: float) -> float:
    """Figure: forward and central difference errors against h; return the best central error."""
    exact = bump_prime(x)
    steps = np.geomspace(1e-14, 1e-1, 80)
    forward = [abs(forward_difference(bump, x, h) - exact) / abs(exact) for h in steps]
    central = [abs(central_difference(bump, x, h) - exact) / abs(exact) for h in steps]
    fig, ax = subplots(width=6.5, height=4.3)
    ax.loglog(steps, forward, label="forward (f(x+h) − f(x)) / h")
    ax.loglog(steps, central, label="central (f(x+h) − f(x−h)) / 2h")
    eps = np.finfo(float).eps
    for h, name in ((math.sqrt(eps), "√eps"), (eps ** (1 / 3), "eps^⅓")):
        ax.axvline(h, color="grey", ls=":", lw=1)
        ax.annotate(name, (h, 1e-1), ha="center", color="grey")
    ax.legend(loc="lower left")
    label(ax, f"Finite-difference error of f'({x})", "step h", "relative error")
    ctx.save_figure(
        fig,
        "step_size",
        "Too large a step truncates, too small a step drowns in rounding: central "
        "differences bottom out near 1e-12 at h ≈ 1e-5",
    )
    return min(central)


def run(ctx: RunContext) -> dict[str, float]:
    """Compare analytic, numerical and automatic derivatives on five problems."""
    config = FAST if ctx.fast else FULL
    rng = np.random.default_rng(ctx.seed)
    points = config.points
    errors: dict[str, list[float]] = {
        k: [] for k in ("derivative", "gradient", "chain_rule", "jacobian", "hessian", "numerical")
    }
    ctx.log(f"checking derivatives at {points} random points")
    for _ in range(points):
        x = float(rng.uniform(-3, 3))
        ad = autograd_derivative(bump, x)
        errors["derivative"].append(relative_error(bump_prime(x), ad))
        errors["numerical"].append(relative_error(central_difference(bump, x), ad))

        p = rng.uniform(-2, 2, 2)
        tp = torch.tensor(p, dtype=torch.float64)
        ad_grad = jacobian(rosenbrock, tp).numpy()
        ad_hess = hessian(rosenbrock, tp).numpy()
        errors["gradient"].append(relative_error(rosenbrock_grad(p), ad_grad))
        errors["hessian"].append(relative_error(rosenbrock_hessian(p), ad_hess))
        errors["numerical"].append(relative_error(numerical_gradient(rosenbrock, p), ad_grad))
        errors["numerical"].append(relative_error(numerical_hessian(rosenbrock_grad, p), ad_hess))

        q = rng.uniform(-2, 2, 3)
        tq = torch.tensor(q, dtype=torch.float64)
        ad_jac = jacobian(warp, tq).numpy()
        errors["jacobian"].append(relative_error(warp_jacobian(q), ad_jac))
        errors["numerical"].append(relative_error(numerical_jacobian(warp, q), ad_jac))
        chain = warp_jacobian(q).T @ softplus_norm_grad(warp(q))
        ad_chain = jacobian(lambda t: softplus_norm(warp(t)), tq).numpy()
        errors["chain_rule"].append(relative_error(chain, ad_chain))

    best_central = step_size_figure(ctx, 0.7)
    ctx.note(
        "The chain rule in matrix form: for h = g ∘ F, ∇h(x) = J_F(x)ᵀ ∇g(F(x)) — a "
        "vector–Jacobian product, which is exactly what reverse-mode autograd computes, one "
        "layer at a time. The Hessian of Rosenbrock's function is compared with "
        "`torch.autograd.functional.hessian` (autograd applied twice)."
    )
    metrics = {f"{k}_rel_err_autograd": max(v) for k, v in errors.items()}
    metrics["best_central_difference_rel_err"] = best_central
    return metrics
