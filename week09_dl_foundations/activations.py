"""Activation functions and their derivatives in NumPy, and Rosenblatt's perceptron."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit: max(0, z)."""
    return np.maximum(z, 0.0)


def relu_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of ReLU: 1 where z > 0, else 0 (the subgradient 0 is used at z = 0)."""
    return (z > 0).astype(z.dtype)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + e^-z), computed without overflow for large |z|."""
    out = np.empty_like(z, dtype=np.float64)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid: s(z) (1 - s(z)), at most 0.25 (why deep sigmoid nets stall)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, a zero-centred sigmoid with range (-1, 1)."""
    return np.tanh(z)


def tanh_grad(z: np.ndarray) -> np.ndarray:
    """Derivative of tanh: 1 - tanh(z)^2."""
    return 1.0 - np.tanh(z) ** 2


ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}


class Perceptron:
    """Rosenblatt's perceptron: a step of a linear score, trained by the perceptron rule."""

    def __init__(self, epochs: int = 10, lr: float = 1.0, seed: int = 0) -> None:
        self.epochs, self.lr, self.seed = epochs, lr, seed

    def fit(self, x: np.ndarray, y: np.ndarray) -> Perceptron:
        """Learn weights from x (n, d) and labels y in {0, 1}; records mistakes per epoch."""
        if set(np.unique(y)) - {0, 1}:
            raise ValueError("Perceptron labels must be 0 or 1")
        rng = np.random.default_rng(self.seed)
        self.w_, self.b_ = np.zeros(x.shape[1]), 0.0
        self.mistakes_: list[int] = []
        sign = 2 * y - 1
        for _ in range(self.epochs):
            mistakes = 0
            for i in rng.permutation(len(x)):
                if sign[i] * (x[i] @ self.w_ + self.b_) <= 0:
                    self.w_ += self.lr * sign[i] * x[i]
                    self.b_ += self.lr * sign[i]
                    mistakes += 1
            self.mistakes_.append(mistakes)
            if mistakes == 0:
                break
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return 1 where the linear score is positive, else 0."""
        return (x @ self.w_ + self.b_ > 0).astype(int)
