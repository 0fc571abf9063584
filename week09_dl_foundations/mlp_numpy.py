"""A two-layer MLP with hand-written forward and backward passes, and a finite-difference check.

x -> h = act(x W1 + b1) -> logits = h W2 + b2 -> softmax cross-entropy. Every gradient is the
chain rule written out by hand; `numerical_gradient` is the independent check.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from week09_dl_foundations.activations import ACTIVATIONS

Params = dict[str, np.ndarray]


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Return the mean cross-entropy of integer labels y and its gradient w.r.t. the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -log_probs[np.arange(n), y].mean()
    grad = np.exp(log_probs)
    grad[np.arange(n), y] -= 1.0
    return float(loss), grad / n


class TwoLayerMLP:
    """A 2-layer perceptron (one hidden layer) trained by minibatch SGD with momentum."""

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        activation: str = "relu",
        seed: int = 0,
        dtype: type = np.float64,
    ) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
        rng = np.random.default_rng(seed)
        self.act, self.act_grad = ACTIVATIONS[activation]
        self.params: Params = {
            "W1": (rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)).astype(dtype),
            "b1": np.zeros(n_hidden, dtype),
            "W2": (rng.standard_normal((n_hidden, n_out)) * np.sqrt(1.0 / n_hidden)).astype(dtype),
            "b2": np.zeros(n_out, dtype),
        }

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, dict]:
        """Return the logits and the intermediate values backward() needs."""
        p = self.params
        z1 = x @ p["W1"] + p["b1"]
        h = self.act(z1)
        return h @ p["W2"] + p["b2"], {"x": x, "z1": z1, "h": h}

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
        """Return the cross-entropy loss on (x, y) and its gradient for every parameter."""
        logits, cache = self.forward(x)
        loss, d_logits = softmax_cross_entropy(logits, y)
        return loss, self.backward(d_logits, cache)

    def backward(self, d_logits: np.ndarray, cache: dict) -> Params:
        """Back-propagate dLoss/dlogits through both layers (the chain rule, layer by layer)."""
        d_h = d_logits @ self.params["W2"].T
        d_z1 = d_h * self.act_grad(cache["z1"])
        return {
            "W2": cache["h"].T @ d_logits,
            "b2": d_logits.sum(axis=0),
            "W1": cache["x"].T @ d_z1,
            "b1": d_z1.sum(axis=0),
        }

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the arg-max class of every row of x."""
        return self.forward(x)[0].argmax(axis=1)

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        epochs: int = 5,
        batch_size: int = 64,
        lr: float = 0.1,
        momentum: float = 0.9,
        seed: int = 0,
    ) -> list[float]:
        """Train by minibatch SGD with momentum; return the mean training loss of each epoch."""
        rng = np.random.default_rng(seed)
        velocity = {k: np.zeros_like(v) for k, v in self.params.items()}
        losses = []
        for _ in range(epochs):
            order, total = rng.permutation(len(x)), 0.0
            for start in range(0, len(x), batch_size):
                idx = order[start : start + batch_size]
                loss, grads = self.loss_and_grads(x[idx], y[idx])
                total += loss * len(idx)
                for k, g in grads.items():
                    velocity[k] = momentum * velocity[k] - lr * g
                    self.params[k] += velocity[k]
            losses.append(total / len(x))
        return losses


def numerical_gradient(f: Callable[[], float], param: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of f() with respect to every entry of `param` (changed in place)."""
    grad = np.zeros_like(param)
    for i in np.ndindex(param.shape):
        old = param[i]
        param[i] = old + eps
        up = f()
        param[i] = old - eps
        down = f()
        param[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Return ||a - b|| / (||a|| + ||b||): the gradient-check yardstick, blind to tiny entries."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))
