"""Gradient-based optimizers from scratch: gradient descent, momentum and Adam.

Each optimizer turns (parameters, gradient) into new parameters and keeps whatever state it
needs. Stochastic gradient descent is plain gradient descent fed minibatch gradients: the
difference lives in `train`, not in the update. References: Goodfellow, Bengio & Courville,
*Deep Learning* (2016), §4.3 and Algorithms 8.1–8.2; Kingma & Ba (2015), *Adam*, Algorithm 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Gradient = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class GradientDescent:
    """θ ← θ − η g: step downhill, proportionally to the slope."""

    lr: float

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Return the parameters after one step."""
        return params - self.lr * grad


@dataclass
class Momentum:
    """v ← βv + g; θ ← θ − ηv: a heavy ball that keeps going along consistent directions."""

    lr: float
    beta: float = 0.9
    velocity: np.ndarray | None = field(default=None, repr=False)

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Return the parameters after one step, updating the velocity."""
        self.velocity = grad if self.velocity is None else self.beta * self.velocity + grad
        return params - self.lr * self.velocity


@dataclass
class Adam:
    """Adam: per-parameter steps from bias-corrected running means of g and g² (Kingma & Ba)."""

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    t: int = 0
    m: np.ndarray | None = field(default=None, repr=False)
    v: np.ndarray | None = field(default=None, repr=False)

    def step(self, params: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Return the parameters after one step, updating both moment estimates."""
        if self.m is None or self.v is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad**2
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return params - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


Optimizer = GradientDescent | Momentum | Adam


def linear_mse_grad(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Return ∇_w mean((Xw − y)²) = 2Xᵀ(Xw − y)/n, the least-squares gradient."""
    return 2 * x.T @ (x @ w - y) / len(y)


@dataclass
class History:
    """Parameters after every update and the full-data loss after every epoch."""

    path: list[np.ndarray]
    losses: list[float]


def train(
    x: np.ndarray,
    y: np.ndarray,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
    w0: np.ndarray | None = None,
) -> History:
    """Minimize mean((Xw − y)²) over w; batch_size=None is batch GD, smaller is minibatch SGD."""
    n = len(y)
    batch = n if batch_size is None else batch_size
    if not 1 <= batch <= n:
        raise ValueError(f"batch_size must be in 1..{n}, got {batch}")
    if batch < n and rng is None:
        raise ValueError("minibatch training needs an rng to shuffle with")
    w = np.zeros(x.shape[1]) if w0 is None else np.asarray(w0, dtype=float).copy()
    history = History([w.copy()], [float(np.mean((x @ w - y) ** 2))])
    for _ in range(epochs):
        order = rng.permutation(n) if batch < n else np.arange(n)
        for start in range(0, n, batch):
            rows = order[start : start + batch]
            w = optimizer.step(w, linear_mse_grad(x[rows], y[rows], w))
            history.path.append(w.copy())
        history.losses.append(float(np.mean((x @ w - y) ** 2)))
    return history
