"""Week 9: activations, the perceptron, hand-written backprop vs autograd, MNIST data, fast run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shared.registry import fetch
from shared.vision import load_mnist
from week09_dl_foundations.activations import ACTIVATIONS, Perceptron
from week09_dl_foundations.mlp_numpy import (
    TwoLayerMLP,
    numerical_gradient,
    relative_error,
    softmax_cross_entropy,
)

TORCH_ACTIVATIONS = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives_match_autograd(name: str) -> None:
    z = np.linspace(-6, 6, 241) + 1e-3  # avoid ReLU's kink at exactly 0
    f, df = ACTIVATIONS[name]
    zt = torch.tensor(z, requires_grad=True)
    out = TORCH_ACTIVATIONS[name](zt)
    out.sum().backward()
    np.testing.assert_allclose(f(z), out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(df(z), zt.grad.numpy(), atol=1e-12)


def test_sigmoid_is_stable_for_large_inputs() -> None:
    with np.errstate(over="raise"):
        s = ACTIVATIONS["sigmoid"][0](np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])


def test_perceptron_separates_separable_data_and_rejects_bad_labels() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2))
    y = (x @ np.array([2.0, -1.0]) + 0.3 > 0).astype(int)
    model = Perceptron(epochs=100).fit(x, y)
    assert model.mistakes_[-1] == 0 and np.all(model.predict(x) == y)
    with pytest.raises(ValueError, match="0 or 1"):
        Perceptron().fit(x, y * 2)


def test_softmax_cross_entropy_matches_torch() -> None:
    rng = np.random.default_rng(1)
    logits, y = rng.standard_normal((7, 5)) * 10, rng.integers(0, 5, 7)
    lt = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(lt, torch.from_numpy(y))
    loss.backward()
    ours, grad = softmax_cross_entropy(logits, y)
    assert ours == pytest.approx(loss.item(), abs=1e-12)
    np.testing.assert_allclose(grad, lt.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_backprop_matches_autograd_and_finite_differences(activation: str) -> None:
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((6, 5)), rng.integers(0, 3, 6)
    mlp = TwoLayerMLP(5, 4, 3, activation=activation, seed=3)
    _, grads = mlp.loss_and_grads(x, y)

    params = {k: torch.tensor(v, requires_grad=True) for k, v in mlp.params.items()}
    hidden = TORCH_ACTIVATIONS[activation](torch.from_numpy(x) @ params["W1"] + params["b1"])
    loss = torch.nn.functional.cross_entropy(
        hidden @ params["W2"] + params["b2"], torch.from_numpy(y)
    )
    loss.backward()
    for k in grads:
        np.testing.assert_allclose(grads[k], params[k].grad.numpy(), atol=1e-5, rtol=0)
        fd = numerical_gradient(lambda: mlp.loss_and_grads(x, y)[0], mlp.params[k])
        assert relative_error(grads[k], fd) < 1e-6


def test_mlp_rejects_unknown_activation() -> None:
    with pytest.raises(ValueError, match="activation"):
        TwoLayerMLP(2, 2, 2, activation="swish")


def test_mnist_from_the_registry_has_the_expected_splits() -> None:
    splits, (x_val, y_val) = load_mnist(fetch("mnist"))
    assert splits.x_train.shape == (50000, 28, 28) and splits.x_train.dtype == np.uint8
    assert x_val.shape == (10000, 28, 28) and splits.x_test.shape == (10000, 28, 28)
    assert len(splits.x_train) + len(x_val) + len(splits.x_test) == 70000
    assert set(np.unique(splits.y_test)) == set(range(10))
    assert splits.x_train.max() == 255 and splits.x_train.min() == 0
    assert len(y_val) == 10000 and set(np.unique(y_val)) == set(range(10))
    seen = {img.tobytes() for img in splits.x_train}
    assert not any(img.tobytes() in seen for img in [*x_val, *splits.x_test])  # no leakage
    counts = np.bincount(splits.y_train, minlength=10)
    assert counts.min() > 4000  # roughly balanced classes


def test_fast_run_end_to_end(fast_run) -> None:
    metrics = fast_run("week09_dl_foundations")["projects"]
    assert metrics["perceptron_activations"]["metrics"]["accuracy_0_vs_1"] > 0.95
    backprop = metrics["numpy_backprop"]["metrics"]
    assert backprop["grad_check_rel_error"] < 1e-6 and backprop["autograd_max_abs_diff"] < 1e-10
    assert backprop["test_accuracy"] > 0.5  # chance is 0.1
    assert metrics["mnist_mlp"]["metrics"]["test_accuracy"] > 0.5
    assert metrics["mnist_mlp"]["datasets"][0]["name"] == "mnist"
