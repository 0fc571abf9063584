"""Loss functions and their gradients, written out in NumPy.

Mean squared error for regression; binary cross-entropy on logits and softmax cross-entropy
for classification, both in the numerically stable log-sum-exp form. Each `*_grad` returns the
derivative of the mean loss with respect to the model's outputs. Reference: Goodfellow, Bengio
& Courville, *Deep Learning* (2016), §5.5 (maximum likelihood), §6.2.2 (output units).
"""

from __future__ import annotations

import numpy as np


def _check_pair(pred: np.ndarray, target: np.ndarray) -> None:
    """Raise ValueError unless predictions and targets have the same, non-empty shape."""
    if pred.shape != target.shape:
        raise ValueError(f"predictions {pred.shape} and targets {target.shape} must match")
    if pred.size == 0:
        raise ValueError("a loss over zero examples is undefined")


def mse(pred: np.ndarray, target: np.ndarray) -> float:
    """Return the mean squared error mean((ŷ − y)²)."""
    _check_pair(pred, target)
    return float(np.mean((pred - target) ** 2))


def mse_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Return ∂MSE/∂ŷ = 2(ŷ − y)/n."""
    _check_pair(pred, target)
    return 2 * (pred - target) / pred.size


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Return 1 / (1 + e^−z), computed without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def binary_cross_entropy(logits: np.ndarray, target: np.ndarray) -> float:
    """Return mean −[y log σ(z) + (1−y) log(1 − σ(z))] = mean(max(z, 0) − zy + log(1 + e^−|z|))."""
    _check_pair(logits, target)
    return float(
        np.mean(np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits))))
    )


def binary_cross_entropy_grad(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Return ∂BCE/∂z = (σ(z) − y)/n: the error of the predicted probability."""
    _check_pair(logits, target)
    return (sigmoid(logits) - target) / logits.size


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Return log softmax along the last axis, shifting by the max so exp never overflows."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _check_labels(logits: np.ndarray, labels: np.ndarray) -> None:
    """Raise ValueError unless labels are one class index per row of logits."""
    if logits.ndim != 2 or labels.shape != (logits.shape[0],):
        raise ValueError(
            f"need logits (n, k) and labels (n,), got {logits.shape} and {labels.shape}"
        )
    if labels.min() < 0 or labels.max() >= logits.shape[1]:
        raise ValueError(f"labels must lie in 0..{logits.shape[1] - 1}")


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Return the mean over rows of −log softmax(z)[y]: the multiclass negative log-likelihood."""
    _check_labels(logits, labels)
    return float(-np.mean(log_softmax(logits)[np.arange(len(labels)), labels]))


def cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return ∂CE/∂z = (softmax(z) − onehot(y))/n."""
    _check_labels(logits, labels)
    grad = np.exp(log_softmax(logits))
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)
