"""Numerical differentiation: derivatives, gradients, Jacobians and Hessians by finite differences.

A central difference (f(x + h) − f(x − h)) / 2h is accurate to O(h²) but loses digits to
rounding as h shrinks (about eps/h), so h ≈ eps^(1/3) ≈ 6e-6 balances the two. These are the
checks used to test analytic derivatives and autograd. Reference: Nocedal & Wright, *Numerical
Optimization* (2nd ed.), §8.1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CENTRAL_STEP = 6e-6

ScalarField = Callable[[np.ndarray], float]
VectorField = Callable[[np.ndarray], np.ndarray]


def forward_difference(f: Callable[[float], float], x: float, h: float) -> float:
    """Return (f(x + h) − f(x)) / h, the one-sided estimate of f'(x) (error O(h))."""
    return (f(x + h) - f(x)) / h


def central_difference(f: Callable[[float], float], x: float, h: float = CENTRAL_STEP) -> float:
    """Return (f(x + h) − f(x − h)) / 2h, the symmetric estimate of f'(x) (error O(h²))."""
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_jacobian(f: VectorField, x: np.ndarray, h: float = CENTRAL_STEP) -> np.ndarray:
    """Return the m×n Jacobian ∂fᵢ/∂xⱼ of f: ℝⁿ → ℝᵐ at x, one central difference per column."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D point, got shape {x.shape}")
    columns = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = h
        columns.append((np.atleast_1d(f(x + step)) - np.atleast_1d(f(x - step))) / (2 * h))
    return np.stack(columns, axis=1)


def numerical_gradient(f: ScalarField, x: np.ndarray, h: float = CENTRAL_STEP) -> np.ndarray:
    """Return ∇f(x) of a scalar field: its 1×n Jacobian, flattened."""
    return numerical_jacobian(lambda p: np.array([f(p)]), x, h)[0]


def numerical_hessian(grad: VectorField, x: np.ndarray, h: float = CENTRAL_STEP) -> np.ndarray:
    """Return the Hessian as the Jacobian of the gradient, symmetrized (it is symmetric)."""
    jac = numerical_jacobian(grad, x, h)
    return (jac + jac.T) / 2
