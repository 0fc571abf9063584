"""Tensor basics in NumPy, PyTorch and TensorFlow: shapes, broadcasting, dtypes, devices, views.

Every operation of tensor_ops (creation, dtypes, broadcasting, reshaping, indexing, matmul,
autodiff) runs in each installed library and must equal NumPy's result; TensorFlow joins when the
`tf` extra is installed, and the report says how to add it when it is not. Then PyTorch in depth,
each lesson a check: broadcasting must give NumPy's shapes and values, a view must share
memory with its base (a write through one shows in the other) while a copy must not, torch's
matrix product must agree with the from-scratch one, and a round trip through the run's device
must not change a value. Type promotion is compared with NumPy's, and the pairs where the two
libraries disagree are listed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.report import markdown_table
from week02_linalg import matrix, tensor_ops


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    matmul_size: int = 64  # the n×n product checked against the pure-Python matmul
    sum_length: int = 1_000_000  # the vector summed in float32 and float64


FULL = Config()
FAST = Config(matmul_size=16, sum_length=10_000)

# Float64 kernels of the three libraries differ only in summation order: a few eps apart.
LIBRARY_TOL = 1e-12
# PyTorch follows NumPy's broadcasting rules ("Broadcasting semantics", PyTorch documentation;
# "Broadcasting", NumPy user guide); views share storage ("Tensor Views", PyTorch documentation).
BARS = [
    Bar("broadcast_shape_agreement", ">=", 1.0, "PyTorch docs, Broadcasting semantics"),
    Bar("broadcast_max_abs_diff", "<=", 1e-12, "PyTorch docs, Broadcasting semantics"),
    Bar("view_aliasing_rate", ">=", 1.0, "PyTorch docs, Tensor Views"),
    Bar("copy_isolation_rate", ">=", 1.0, "PyTorch docs, torch.clone / Tensor.contiguous"),
    Bar("matmul_rel_err_vs_scratch", "<=", 1e-6, "week02 matrix.matmul; Golub & Van Loan §2.7"),
    Bar("device_roundtrip_max_abs_diff", "<=", 0.0, "PyTorch docs, Tensor.to copies exactly"),
    Bar("library_agreement_rate", ">=", 1.0, "NumPy, PyTorch and TensorFlow API docs"),
    Bar("library_max_rel_diff", "<=", LIBRARY_TOL, "IEEE 754 float64, eps = 2.2e-16"),
]

SHAPE_PAIRS = [
    ((3, 1), (1, 4)),
    ((5, 3), (3,)),
    ((2, 1, 4), (3, 1)),
    ((4,), (4, 4)),
    ((1,), (2, 3, 5)),
    ((3, 2), (3,)),
    ((2, 3), (3, 2)),
    ((8, 1, 6, 1), (7, 1, 5)),
]
DTYPES = [
    torch.bool,
    torch.uint8,
    torch.int32,
    torch.int64,
    torch.float16,
    torch.float32,
    torch.float64,
]


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...], library: str) -> tuple[int, ...] | None:
    """Return the broadcast shape by `library` ("torch" or "numpy"), or None if incompatible."""
    try:
        if library == "torch":
            return tuple(torch.broadcast_shapes(a, b))
        return tuple(np.broadcast_shapes(a, b))
    except (RuntimeError, ValueError):
        return None


def check_broadcasting(rng: np.random.Generator) -> tuple[float, float]:
    """Return (share of shape pairs where torch and NumPy agree, max |torch − numpy| of a·b + a)."""
    agree, diffs = [], [0.0]
    for a_shape, b_shape in SHAPE_PAIRS:
        shape = broadcast_shape(a_shape, b_shape, "torch")
        agree.append(shape == broadcast_shape(a_shape, b_shape, "numpy"))
        if shape is None:
            continue
        a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
        ours = (torch.from_numpy(a) * torch.from_numpy(b) + torch.from_numpy(a)).numpy()
        diffs.append(float(np.abs(ours - (a * b + a)).max()))
    return float(np.mean(agree)), max(diffs)


def shares_memory(base: torch.Tensor, derived: torch.Tensor) -> bool:
    """Return True when a write through `derived` shows in `base` (they share storage)."""
    before = base.clone()
    derived[(0,) * derived.dim()] += 1.0
    return not torch.equal(base, before)


VIEWS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "t.view(4, 6)": lambda t: t.view(4, 6),
    "t[1:, ::2]": lambda t: t[1:, ::2],
    "t.T": lambda t: t.T,
    "t.unsqueeze(0)": lambda t: t.unsqueeze(0),
    "t[0].expand(3, 6)": lambda t: t[0].expand(3, 6),
    "t.reshape(2, 12)": lambda t: t.reshape(2, 12),
}
COPIES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "t.clone()": lambda t: t.clone(),
    "t.T.contiguous()": lambda t: t.T.contiguous(),
    "t.T.reshape(24)": lambda t: t.T.reshape(24),
    "t[[0, 2]]": lambda t: t[[0, 2]],
}


def check_views() -> tuple[float, float, list[tuple[str, str, str, bool]]]:
    """Return (share of views that alias, share of copies that do not, a table of both)."""
    rows = []
    for kind, ops in (("view", VIEWS), ("copy", COPIES)):
        for name, op in ops.items():
            base = torch.arange(24.0).reshape(4, 6)
            derived = op(base)
            rows.append((kind, name, str(tuple(derived.stride())), shares_memory(base, derived)))
    views = [aliased for kind, *_, aliased in rows if kind == "view"]
    copies = [not aliased for kind, *_, aliased in rows if kind == "copy"]
    return float(np.mean(views)), float(np.mean(copies)), rows


def promotion_table() -> list[tuple[str, str, str]]:
    """Return (pair, torch result dtype, numpy result dtype) for every pair of DTYPES."""
    rows = []
    for a, b in itertools.combinations(DTYPES, 2):
        result = (torch.ones(2, dtype=a) + torch.ones(2, dtype=b)).dtype
        np_a, np_b = (torch.ones(2, dtype=d).numpy().dtype for d in (a, b))
        rows.append(
            (f"{a} + {b}", str(result).removeprefix("torch."), str(np.result_type(np_a, np_b)))
        )
    return rows


def check_libraries(ctx: RunContext, rng: np.random.Generator) -> dict[str, float]:
    """Run every tensor_ops operation in each installed library against NumPy; note the tables."""
    libraries = tensor_ops.libraries()
    reference, others = libraries[0], libraries[1:]
    inputs = tensor_ops.make_inputs(rng)
    rows = [
        row for lib in others for row in tensor_ops.compare(lib, reference, inputs, LIBRARY_TOL)
    ]
    ctx.info["libraries"] = ", ".join(f"{lib.name} {lib.version}" for lib in libraries)
    if not tensor_ops.tensorflow_installed():
        ctx.log(tensor_ops.TF_MISSING)
        ctx.note(tensor_ops.TF_MISSING)
    ctx.note(
        "Each operation in every library against NumPy (float64 inputs; an output agrees when its "
        f"shape is equal and its values are within {LIBRARY_TOL:g} relative). Where the values "
        "agree but the dtype does not, the library chose another default:\n\n"
        + markdown_table(
            ["library", "operation", "outputs agreeing", "max rel diff", "dtype differs"],
            [
                (
                    r.library,
                    r.operation,
                    f"{r.outputs - len(r.mismatched)}/{r.outputs}",
                    f"{r.max_rel_diff:.1e}",
                    "; ".join(r.dtype_differs) or "—",
                )
                for r in rows
            ],
        )
    )
    defaults = {lib.name: lib.default_dtypes() for lib in libraries}
    ctx.note(
        "Default dtypes, the first thing to check when two libraries' results differ:\n\n"
        + markdown_table(
            ["created from", *defaults],
            [(case, *(d[case] for d in defaults.values())) for case in defaults[reference.name]],
        )
    )
    outputs = sum(r.outputs for r in rows)
    return {
        "libraries_compared": float(len(libraries)),
        "library_agreement_rate": 1 - sum(len(r.mismatched) for r in rows) / outputs,
        "library_max_rel_diff": max(r.max_rel_diff for r in rows),
    }


def run(ctx: RunContext) -> dict[str, float]:
    """Run the tensor checks and return how many of them held."""
    config = FAST if ctx.fast else FULL
    rng = np.random.default_rng(ctx.seed)
    device = resolve_device(ctx.device)
    shape_agreement, broadcast_diff = check_broadcasting(rng)
    view_rate, copy_rate, view_rows = check_views()

    n = config.matmul_size
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    torch_product = (torch.from_numpy(a) @ torch.from_numpy(b)).numpy()
    scratch = np.array(matrix.matmul(a.tolist(), b.tolist()))
    matmul_err = float(np.abs(torch_product - scratch).max() / np.abs(scratch).max())

    x = torch.from_numpy(rng.standard_normal(config.sum_length))
    roundtrip = float((x.to(device).to("cpu") - x).abs().max())
    exact = float(x.sum())
    float32_err = abs(float(x.float().sum()) - exact) / abs(exact)

    promotions = promotion_table()
    disagreements = [row for row in promotions if row[1] != row[2]]
    ctx.note(
        f"Device for this run: `{device}`. Which operations return a view (same storage, "
        "a write shows through) and which a copy — note that `reshape` of a transposed tensor "
        "silently copies, while `view` would refuse:\n\n"
        + markdown_table(["kind", "operation", "strides", "shares memory"], view_rows)
    )
    ctx.note(
        f"Type promotion: PyTorch and NumPy agree on {len(promotions) - len(disagreements)} of "
        f"{len(promotions)} dtype pairs. They differ where an integer meets a narrower "
        "float: NumPy widens to float64 to hold every integer, PyTorch keeps the float's type:\n\n"
        + markdown_table(["pair", "torch", "numpy"], disagreements)
    )
    return {
        "broadcast_shape_agreement": shape_agreement,
        "broadcast_max_abs_diff": broadcast_diff,
        "view_aliasing_rate": view_rate,
        "copy_isolation_rate": copy_rate,
        "matmul_rel_err_vs_scratch": matmul_err,
        "device_roundtrip_max_abs_diff": roundtrip,
        "float32_sum_rel_err": float32_err,
        "promotion_agreement_with_numpy": 1 - len(disagreements) / len(promotions),
        **check_libraries(ctx, rng),
    }
