"""The same tensor operations written in NumPy and PyTorch (TensorFlow in tensor_ops_tf.py).

Each library is one class with the same methods — creation, dtypes, broadcasting, reshaping,
indexing, matmul, autodiff — so a reader can put two of them side by side and see how each
spells an operation. Every method takes the same float64 `Inputs` and returns its results as
NumPy arrays, so `compare` can check every library against NumPy. NumPy has no autodiff: its
`autodiff` writes the gradients out by hand, which is what the other two must reproduce.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

OPERATIONS = ("creation", "dtypes", "broadcasting", "reshaping", "indexing", "matmul", "autodiff")
TF_MISSING = (
    'TensorFlow is not installed, so only NumPy and PyTorch ran: add it with `pip install -e ".[tf]"` '
    "(or `make setup TF=1`) and every operation runs in TensorFlow too."
)
FLOATS_TO_CAST = [-1.7, 2.5, -0.5, 3.99]


@dataclass(frozen=True)
class Inputs:
    """The float64 arrays every library computes with."""

    a: np.ndarray  # (3, 4)
    b: np.ndarray  # (4, 5)
    col: np.ndarray  # (3, 1)
    row: np.ndarray  # (1, 4)
    batch: np.ndarray  # (2, 3, 4)
    batch2: np.ndarray  # (2, 4, 2)
    x: np.ndarray  # (6,) the point where f(x) = Σ sin(x)·x² is differentiated
    features: np.ndarray  # (8, 3) least squares: loss(w) = mean((features·w − target)²)
    target: np.ndarray  # (8,)
    w: np.ndarray  # (3,)


def make_inputs(rng: np.random.Generator) -> Inputs:
    """Draw one set of inputs from `rng`."""
    shapes = {
        "a": (3, 4),
        "b": (4, 5),
        "col": (3, 1),
        "row": (1, 4),
        "batch": (2, 3, 4),
        "batch2": (2, 4, 2),
        "x": (6,),
        "features": (8, 3),
        "target": (8,),
        "w": (3,),
    }
    return Inputs(**{name: rng.standard_normal(shape) for name, shape in shapes.items()})


Results = dict[str, np.ndarray]


class TensorLibrary(Protocol):
    """What each library implements: one method per operation, results as NumPy arrays."""

    name: str
    version: str

    def creation(self, inp: Inputs) -> Results: ...
    def dtypes(self, inp: Inputs) -> Results: ...
    def broadcasting(self, inp: Inputs) -> Results: ...
    def reshaping(self, inp: Inputs) -> Results: ...
    def indexing(self, inp: Inputs) -> Results: ...
    def matmul(self, inp: Inputs) -> Results: ...
    def autodiff(self, inp: Inputs) -> Results: ...
    def default_dtypes(self) -> dict[str, str]: ...


class NumpyOps:
    """NumPy: the reference every other library is checked against."""

    name = "numpy"
    version = np.__version__

    def creation(self, inp: Inputs) -> Results:
        """Arrays made from shapes, ranges and data, each with NumPy's default dtype."""
        return {
            "zeros": np.zeros((2, 3)),
            "ones": np.ones((2, 3)),
            "arange": np.arange(0, 10, 2),
            "linspace": np.linspace(0, 1, 5),
            "eye": np.eye(3),
            "full": np.full((2, 2), 7.0),
            "from_data": np.asarray(inp.a),
        }

    def dtypes(self, inp: Inputs) -> Results:
        """Casts truncate toward zero, uint8 wraps around, // floors."""
        return {
            "float_to_int32": np.array(FLOATS_TO_CAST).astype(np.int32),
            "uint8_wraps": np.array([250, 5], dtype=np.uint8) + np.uint8(10),
            "floor_divide": np.array([7, -7]) // np.array([-2, 2]),
            "int32_to_float64": np.arange(3, dtype=np.int32).astype(np.float64),
        }

    def broadcasting(self, inp: Inputs) -> Results:
        """Size-1 and missing leading axes stretch to match."""
        return {
            "col_plus_row": inp.col + inp.row,
            "matrix_times_row": inp.a * inp.row,
            "batch_plus_matrix": inp.batch + inp.a,
        }

    def reshaping(self, inp: Inputs) -> Results:
        """Reshape, transpose, add or drop an axis, join along an axis."""
        return {
            "reshape": inp.a.reshape(2, 6),
            "transpose": inp.a.T,
            "expand_dims": np.expand_dims(inp.a, 0),
            "squeeze": inp.col.squeeze(1),
            "concatenate": np.concatenate([inp.a, inp.a], axis=0),
            "stack": np.stack([inp.a, inp.a], axis=-1),
            "permute": inp.batch.transpose(0, 2, 1),
        }

    def indexing(self, inp: Inputs) -> Results:
        """Slices, gathers, boolean masks, where, and writing two elements of a copy."""
        written = inp.a.copy()
        written[0, 0], written[2, 3] = 99.0, -1.0
        return {
            "slice": inp.a[1:, ::2],
            "last_column": inp.a[:, -1],
            "gather_rows": inp.a[[2, 0]],
            "boolean_mask": inp.a[inp.a > 0],
            "where": np.where(inp.a > 0, inp.a, 0.0),
            "write_copy": written,
        }

    def matmul(self, inp: Inputs) -> Results:
        """Matrix, batched matrix and Einstein-summation products, and a dot product."""
        return {
            "matmul": inp.a @ inp.b,
            "batched": inp.batch @ inp.batch2,
            "einsum": np.einsum("bij,bjk->bik", inp.batch, inp.batch2),
            "dot": inp.x @ inp.x,
        }

    def autodiff(self, inp: Inputs) -> Results:
        """Gradients written out by hand: what autograd and GradientTape must reproduce."""
        residual = inp.features @ inp.w - inp.target
        x = inp.x
        return {
            "loss": np.mean(residual**2),
            "loss_grad": 2 / len(residual) * inp.features.T @ residual,
            "f_grad": np.cos(x) * x**2 + 2 * x * np.sin(x),
            "f_second_derivative": -(x**2) * np.sin(x) + 4 * x * np.cos(x) + 2 * np.sin(x),
        }

    def default_dtypes(self) -> dict[str, str]:
        """The dtype NumPy picks when none is asked for."""
        return {
            "from [1.0]": str(np.array([1.0]).dtype),
            "from [1]": str(np.array([1]).dtype),
            "int32 + float32": str((np.ones(1, np.int32) + np.ones(1, np.float32)).dtype),
        }


class TorchOps:
    """PyTorch: the same operations on torch.Tensor, gradients by torch.autograd."""

    name = "torch"
    version = torch.__version__

    def creation(self, inp: Inputs) -> Results:
        """As NumPy's, with PyTorch's default dtypes (float32 for floats)."""
        return _numpy(
            {
                "zeros": torch.zeros(2, 3),
                "ones": torch.ones(2, 3),
                "arange": torch.arange(0, 10, 2),
                "linspace": torch.linspace(0, 1, 5),
                "eye": torch.eye(3),
                "full": torch.full((2, 2), 7.0),
                "from_data": torch.tensor(inp.a),
            }
        )

    def dtypes(self, inp: Inputs) -> Results:
        """Casts truncate toward zero, uint8 wraps around, // floors (since PyTorch 1.13)."""
        return _numpy(
            {
                "float_to_int32": torch.tensor(FLOATS_TO_CAST).to(torch.int32),
                "uint8_wraps": torch.tensor([250, 5], dtype=torch.uint8) + 10,
                "floor_divide": torch.tensor([7, -7]) // torch.tensor([-2, 2]),
                "int32_to_float64": torch.arange(3, dtype=torch.int32).double(),
            }
        )

    def broadcasting(self, inp: Inputs) -> Results:
        """NumPy's broadcasting rules, unchanged."""
        t = _tensors(inp)
        return _numpy(
            {
                "col_plus_row": t["col"] + t["row"],
                "matrix_times_row": t["a"] * t["row"],
                "batch_plus_matrix": t["batch"] + t["a"],
            }
        )

    def reshaping(self, inp: Inputs) -> Results:
        """unsqueeze, cat and permute are PyTorch's names for expand_dims, concatenate, transpose."""
        t = _tensors(inp)
        return _numpy(
            {
                "reshape": t["a"].reshape(2, 6),
                "transpose": t["a"].T,
                "expand_dims": t["a"].unsqueeze(0),
                "squeeze": t["col"].squeeze(1),
                "concatenate": torch.cat([t["a"], t["a"]], dim=0),
                "stack": torch.stack([t["a"], t["a"]], dim=-1),
                "permute": t["batch"].permute(0, 2, 1),
            }
        )

    def indexing(self, inp: Inputs) -> Results:
        """NumPy's indexing syntax; a tensor is written in place like an array."""
        a = _tensors(inp)["a"]
        written = a.clone()
        written[0, 0], written[2, 3] = 99.0, -1.0
        return _numpy(
            {
                "slice": a[1:, ::2],
                "last_column": a[:, -1],
                "gather_rows": a[torch.tensor([2, 0])],
                "boolean_mask": a[a > 0],
                "where": torch.where(a > 0, a, 0.0),
                "write_copy": written,
            }
        )

    def matmul(self, inp: Inputs) -> Results:
        """`@` is torch.matmul; it batches over leading axes as NumPy's does."""
        t = _tensors(inp)
        return _numpy(
            {
                "matmul": t["a"] @ t["b"],
                "batched": t["batch"] @ t["batch2"],
                "einsum": torch.einsum("bij,bjk->bik", t["batch"], t["batch2"]),
                "dot": torch.dot(t["x"], t["x"]),
            }
        )

    def autodiff(self, inp: Inputs) -> Results:
        """torch.autograd.grad; create_graph=True keeps the graph for a second derivative."""
        t = _tensors(inp)
        w = t["w"].requires_grad_()
        loss = ((t["features"] @ w - t["target"]) ** 2).mean()
        (loss_grad,) = torch.autograd.grad(loss, w)
        x = t["x"].requires_grad_()
        (f_grad,) = torch.autograd.grad((torch.sin(x) * x**2).sum(), x, create_graph=True)
        # f_grad[i] depends on x[i] alone, so the gradient of its sum is the Hessian's diagonal
        (second,) = torch.autograd.grad(f_grad.sum(), x)
        return _numpy(
            {"loss": loss, "loss_grad": loss_grad, "f_grad": f_grad, "f_second_derivative": second}
        )

    def default_dtypes(self) -> dict[str, str]:
        """The dtype PyTorch picks when none is asked for."""
        mixed = torch.ones(1, dtype=torch.int32) + torch.ones(1, dtype=torch.float32)
        return {
            "from [1.0]": _dtype_name(torch.tensor([1.0]).dtype),
            "from [1]": _dtype_name(torch.tensor([1]).dtype),
            "int32 + float32": _dtype_name(mixed.dtype),
        }


def _tensors(inp: Inputs) -> dict[str, torch.Tensor]:
    """Each input as a float64 torch.Tensor of its own (copies, so writes cannot leak back)."""
    return {name: torch.tensor(value) for name, value in vars(inp).items()}


def _numpy(results: dict[str, torch.Tensor]) -> Results:
    """Detach every tensor and return it as a NumPy array."""
    return {name: t.detach().numpy() for name, t in results.items()}


def _dtype_name(dtype: torch.dtype) -> str:
    """torch.float32 → float32."""
    return str(dtype).removeprefix("torch.")


@dataclass(frozen=True)
class Comparison:
    """One library's results for one operation against NumPy's."""

    library: str
    operation: str
    outputs: int
    mismatched: tuple[str, ...]  # outputs whose shape differs or whose values differ past tol
    max_rel_diff: float
    dtype_differs: tuple[str, ...]  # outputs equal in value but of another dtype than NumPy's


def compare(
    library: TensorLibrary, reference: TensorLibrary, inp: Inputs, tol: float
) -> list[Comparison]:
    """Run every operation in both libraries and compare each output with the reference's."""
    rows = []
    for operation in OPERATIONS:
        ours, theirs = getattr(library, operation)(inp), getattr(reference, operation)(inp)
        if set(ours) != set(theirs):
            raise ValueError(
                f"{library.name}.{operation} returned {sorted(ours)}, expected {sorted(theirs)}"
            )
        mismatched, dtypes, worst = [], [], 0.0
        for name, want in theirs.items():
            got = ours[name]
            if got.shape != want.shape:
                mismatched.append(name)
                continue
            diff = _rel_diff(got, want)
            worst = max(worst, diff)
            if diff > tol:
                mismatched.append(name)
            elif got.dtype != want.dtype:
                dtypes.append(f"{name}: {got.dtype} vs {want.dtype}")
        rows.append(
            Comparison(
                library.name, operation, len(theirs), tuple(mismatched), worst, tuple(dtypes)
            )
        )
    return rows


def _rel_diff(got: np.ndarray, want: np.ndarray) -> float:
    """max |got − want| relative to max(1, max |want|); 0 for empty arrays."""
    if want.size == 0:
        return 0.0
    want64, got64 = want.astype(np.float64), got.astype(np.float64)
    return float(np.abs(got64 - want64).max() / max(1.0, float(np.abs(want64).max())))


def libraries() -> list[TensorLibrary]:
    """NumPy, PyTorch, and TensorFlow when it is installed (the `tf` extra)."""
    found: list[TensorLibrary] = [NumpyOps(), TorchOps()]
    if tensorflow_installed():
        from week02_linalg.tensor_ops_tf import TensorFlowOps

        found.append(TensorFlowOps())
    return found


def tensorflow_installed() -> bool:
    """True when `import tensorflow` would find a package."""
    return importlib.util.find_spec("tensorflow") is not None
