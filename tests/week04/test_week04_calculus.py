"""Week 4 code layer: derivatives, losses and optimizers against torch.autograd / torch.optim."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.autograd.functional import hessian, jacobian

from week04_calculus import losses
from week04_calculus.calculus import (
    central_difference,
    forward_difference,
    numerical_gradient,
    numerical_hessian,
    numerical_jacobian,
)
from week04_calculus.optimizers import Adam, GradientDescent, Momentum, linear_mse_grad, train
from week04_calculus.projects import derivatives as d


def test_central_difference_beats_forward_difference() -> None:
    exact = math.cos(1.0)
    assert abs(central_difference(math.sin, 1.0) - exact) < 1e-9
    assert abs(forward_difference(math.sin, 1.0, 1e-4) - exact) > abs(
        central_difference(math.sin, 1.0, 1e-4) - exact
    )


@pytest.mark.parametrize("x", [-2.5, -0.3, 0.0, 1.7])
def test_analytic_derivative_matches_autograd(x: float) -> None:
    assert d.bump_prime(x) == pytest.approx(d.autograd_derivative(d.bump, x), rel=1e-12, abs=1e-14)


def test_rosenbrock_gradient_and_hessian_three_ways() -> None:
    p = np.array([-0.7, 1.3])
    tp = torch.tensor(p, dtype=torch.float64)
    np.testing.assert_allclose(d.rosenbrock_grad(p), jacobian(d.rosenbrock, tp).numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        d.rosenbrock_hessian(p), hessian(d.rosenbrock, tp).numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(numerical_gradient(d.rosenbrock, p), d.rosenbrock_grad(p), rtol=1e-7)
    np.testing.assert_allclose(
        numerical_hessian(d.rosenbrock_grad, p), d.rosenbrock_hessian(p), rtol=1e-6
    )


def test_jacobian_and_chain_rule_match_autograd() -> None:
    q = np.array([0.4, -1.1, 2.0])
    tq = torch.tensor(q, dtype=torch.float64)
    np.testing.assert_allclose(d.warp_jacobian(q), jacobian(d.warp, tq).numpy(), atol=1e-14)
    np.testing.assert_allclose(numerical_jacobian(d.warp, q), d.warp_jacobian(q), atol=1e-8)
    chain = d.warp_jacobian(q).T @ d.softplus_norm_grad(d.warp(q))
    np.testing.assert_allclose(
        chain, jacobian(lambda t: d.softplus_norm(d.warp(t)), tq).numpy(), rtol=1e-12
    )


def _torch_grad(loss_fn, output: np.ndarray, target: torch.Tensor) -> tuple[float, np.ndarray]:
    t = torch.tensor(output, dtype=torch.float64, requires_grad=True)
    value = loss_fn(t, target)
    value.backward()
    return float(value.detach()), t.grad.numpy()


@pytest.mark.parametrize("scale", [1.0, 800.0])
def test_losses_and_gradients_match_torch(scale: float) -> None:
    rng = np.random.default_rng(0)
    pred, y = rng.normal(0, scale, 30), rng.normal(0, 1, 30)
    value, grad = _torch_grad(F.mse_loss, pred, torch.tensor(y))
    assert losses.mse(pred, y) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.mse_grad(pred, y), grad, rtol=1e-12)

    labels = rng.integers(0, 2, 30).astype(float)
    value, grad = _torch_grad(F.binary_cross_entropy_with_logits, pred, torch.tensor(labels))
    assert losses.binary_cross_entropy(pred, labels) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.binary_cross_entropy_grad(pred, labels), grad, atol=1e-15)

    logits, classes = rng.normal(0, scale, (30, 5)), rng.integers(0, 5, 30)
    value, grad = _torch_grad(F.cross_entropy, logits, torch.tensor(classes))
    assert losses.cross_entropy(logits, classes) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(losses.cross_entropy_grad(logits, classes), grad, atol=1e-15)
    assert np.isfinite(losses.cross_entropy(logits, classes))


def test_losses_refuse_bad_shapes_and_labels() -> None:
    with pytest.raises(ValueError, match="must match"):
        losses.mse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="labels must lie"):
        losses.cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: GradientDescent(lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (lambda: Momentum(lr=0.05, beta=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
        (lambda: Adam(lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    ],
)
def test_optimizer_steps_match_torch_optim(ours, theirs) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    w = np.zeros(3)
    tw = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    tx, ty = torch.tensor(x), torch.tensor(y)
    mine, reference = ours(), theirs([tw])
    for _ in range(25):
        w = mine.step(w, linear_mse_grad(x, y, w))
        reference.zero_grad()
        torch.mean((tx @ tw - ty) ** 2).backward()
        reference.step()
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_train_reaches_least_squares_and_validates_batch() -> None:
    rng = np.random.default_rng(2)
    x = np.column_stack([np.ones(200), rng.normal(size=(200, 2))])
    y = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.1, 200)
    history = train(x, y, Momentum(lr=0.05), epochs=1000)
    np.testing.assert_allclose(history.path[-1], np.linalg.lstsq(x, y, rcond=None)[0], atol=1e-8)
    assert history.losses[-1] < history.losses[0]
    with pytest.raises(ValueError, match="rng"):
        train(x, y, GradientDescent(lr=0.1), epochs=1, batch_size=10)
    with pytest.raises(ValueError, match="batch_size"):
        train(x, y, GradientDescent(lr=0.1), epochs=1, batch_size=0)
