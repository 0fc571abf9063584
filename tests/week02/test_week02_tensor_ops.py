"""Week 2 code layer: every tensor operation in PyTorch and TensorFlow equals NumPy's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from week02_linalg import tensor_ops
from week02_linalg.tensor_ops import NumpyOps, TorchOps

TOL = 1e-12


def _library(name: str) -> tensor_ops.TensorLibrary:
    """The library under test; TensorFlow's test skips without the `tf` extra."""
    if name == "tensorflow":
        pytest.importorskip("tensorflow", reason='the tf extra: pip install -e ".[tf]"')
        from week02_linalg.tensor_ops_tf import TensorFlowOps

        return TensorFlowOps()
    return TorchOps()


@pytest.fixture
def inputs() -> tensor_ops.Inputs:
    return tensor_ops.make_inputs(np.random.default_rng(7))


@pytest.mark.parametrize("name", ["torch", "tensorflow"])
def test_every_operation_equals_numpys(name: str, inputs: tensor_ops.Inputs) -> None:
    rows = tensor_ops.compare(_library(name), NumpyOps(), inputs, TOL)
    assert [r.operation for r in rows] == list(tensor_ops.OPERATIONS)
    assert all(not r.mismatched for r in rows), [r for r in rows if r.mismatched]
    assert max(r.max_rel_diff for r in rows) < TOL
    # the values agree, the default float dtype does not: float32 against NumPy's float64
    creation = rows[0]
    assert "zeros: float32 vs float64" in creation.dtype_differs


def test_hand_written_gradients_match_finite_differences(inputs: tensor_ops.Inputs) -> None:
    grads = NumpyOps().autodiff(inputs)
    h = 1e-6
    for i in range(len(inputs.w)):
        step = np.eye(len(inputs.w))[i] * h
        loss = [
            np.mean((inputs.features @ (inputs.w + s) - inputs.target) ** 2) for s in (step, -step)
        ]
        assert (loss[0] - loss[1]) / (2 * h) == pytest.approx(grads["loss_grad"][i], rel=1e-6)
    f_prime = grads["f_grad"]
    np.testing.assert_allclose(
        ((np.sin(inputs.x + h) * (inputs.x + h) ** 2) - np.sin(inputs.x - h) * (inputs.x - h) ** 2)
        / (2 * h),
        f_prime,
        rtol=1e-6,
        atol=1e-8,
    )


class _WrongTranspose(TorchOps):
    """A library whose reshaping has a bug: its transpose returns the matrix unchanged."""

    def reshaping(self, inp: tensor_ops.Inputs) -> tensor_ops.Results:
        out = super().reshaping(inp)
        out["transpose"] = inp.a.copy()
        return out


class _OffByEps(TorchOps):
    """A library whose gradient is off by 1e-9: past the tolerance, so it must be caught."""

    def autodiff(self, inp: tensor_ops.Inputs) -> tensor_ops.Results:
        out = super().autodiff(inp)
        out["f_grad"] = out["f_grad"] + 1e-9
        return out


def test_compare_catches_a_wrong_shape_and_a_small_value_error(inputs: tensor_ops.Inputs) -> None:
    rows = {r.operation: r for r in tensor_ops.compare(_WrongTranspose(), NumpyOps(), inputs, TOL)}
    assert rows["reshaping"].mismatched == ("transpose",)
    rows = {r.operation: r for r in tensor_ops.compare(_OffByEps(), NumpyOps(), inputs, TOL)}
    assert rows["autodiff"].mismatched == ("f_grad",)
    assert rows["autodiff"].max_rel_diff > TOL


def test_tensorflow_refuses_implicit_promotion() -> None:
    defaults = _library("tensorflow").default_dtypes()
    assert defaults["int32 + float32"].startswith("error")
    assert defaults["from [1]"] == "int32"  # NumPy and PyTorch say int64
    assert NumpyOps().default_dtypes()["from [1]"] == "int64"


def test_without_tensorflow_the_project_runs_two_libraries_and_says_how_to_add_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from shared.context import RunContext
    from week02_linalg.projects import tensors

    monkeypatch.setattr(tensor_ops, "tensorflow_installed", lambda: False)
    ctx = RunContext(week=2, project="tensors", out=tmp_path, fast=True, device="cpu")
    metrics = tensors.check_libraries(ctx, np.random.default_rng(0))
    assert metrics["libraries_compared"] == 2
    assert metrics["library_agreement_rate"] == 1.0
    assert any('pip install -e ".[tf]"' in section for section in ctx.sections)
    assert "tensorflow" not in str(ctx.info["libraries"])


def test_a_library_with_other_outputs_is_refused(inputs: tensor_ops.Inputs) -> None:
    class Missing(TorchOps):
        def matmul(self, inp: tensor_ops.Inputs) -> tensor_ops.Results:
            return {"matmul": super().matmul(inp)["matmul"]}

    with pytest.raises(ValueError, match=r"torch\.matmul returned \['matmul'\]"):
        tensor_ops.compare(Missing(), NumpyOps(), inputs, TOL)
