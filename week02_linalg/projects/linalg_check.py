"""From-scratch linear algebra checked against NumPy.

Runs the pure-Python routines (vectors.py, matrix.py, eigen.py) against `numpy.linalg` on
random, ill-conditioned (Hilbert and prescribed-condition) and singular matrices, and reports
the largest relative error of each. Relative error is normwise: max|ours − numpy| / max|numpy|.
Singular and non-square inputs must raise a clear error instead of returning garbage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy.linalg import hilbert

from shared.bars import Bar
from shared.context import RunContext
from shared.evaluation import relative_error
from shared.plotting import label, subplots
from week02_linalg import eigen, matrix, vectors


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    random_trials: int = 10  # random matrices of each size
    max_random_size: int = 10
    max_hilbert_size: int = 7
    conditions_plotted: int = 23
    timed_size: int = 120  # the matmul timed in pure Python against NumPy
    vector_trials: int = 50


FULL = Config()
FAST = Config(
    random_trials=2,
    max_random_size=5,
    max_hilbert_size=5,
    conditions_plotted=8,
    timed_size=60,
    vector_trials=5,
)

# Backward-stable algorithms agree with LAPACK to about cond(A)·eps (Golub & Van Loan, Matrix
# Computations 4th ed., §2.7 and §3.3); for the cond(A) <= 1e8 inputs here that is <= 1e-6.
_REF = "Golub & Van Loan, Matrix Computations (4th ed.) §2.7/§3.3: agreement to cond(A)·eps"
BARS = [
    Bar("max_rel_err_vectors", "<=", 1e-6, _REF),
    Bar("max_rel_err_matmul", "<=", 1e-6, _REF),
    Bar("max_rel_err_inverse", "<=", 1e-6, _REF),
    Bar("max_rel_err_determinant", "<=", 1e-6, _REF),
    Bar("max_rel_err_eigvals_qr", "<=", 1e-6, _REF),
    Bar("max_rel_err_eigvecs_qr", "<=", 1e-6, _REF),
    Bar("max_rel_err_power_iteration", "<=", 1e-6, _REF),
    Bar("singular_rejected_rate", ">=", 1.0, "a singular matrix has no inverse (rank < n)"),
    Bar("nonsquare_rejected_rate", ">=", 1.0, "inverse, det and eigen need square input"),
]


def align_signs(vecs: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Flip each row of `vecs` to point the same way as the matching row of `reference`."""
    signs = np.sign(np.sum(vecs * reference, axis=1, keepdims=True))
    return vecs * np.where(signs == 0, 1, signs)


def with_condition(rng: np.random.Generator, n: int, cond: float) -> np.ndarray:
    """Return a random n×n matrix whose singular values run geometrically from 1 to 1/cond."""
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return u @ np.diag(np.geomspace(1.0, 1.0 / cond, n)) @ v.T


def test_matrices(rng: np.random.Generator, config: Config) -> Iterator[tuple[str, np.ndarray]]:
    """Yield (kind, matrix): random sizes, Hilbert matrices and prescribed condition numbers."""
    for n in range(2, config.max_random_size + 1):
        for _ in range(config.random_trials):
            yield "random", rng.standard_normal((n, n))
    for n in range(3, config.max_hilbert_size + 1):
        yield "hilbert", hilbert(n)
    for cond in [1e4, 1e6, 1e8]:
        yield "ill-conditioned", with_condition(rng, 6, cond)


def singular_matrices(rng: np.random.Generator) -> list[np.ndarray]:
    """Return matrices of rank < n: a textbook integer one, dependent rows, a zero column."""
    dependent = rng.standard_normal((5, 5))
    dependent[4] = dependent[0] - 2.5 * dependent[2]
    zero_column = rng.standard_normal((4, 4))
    zero_column[:, 1] = 0.0
    low_rank = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 6))
    return [np.arange(1.0, 10.0).reshape(3, 3), dependent, zero_column, low_rank, np.zeros((3, 3))]


def check_vectors(rng: np.random.Generator, trials: int) -> float:
    """Return the largest relative error of the vector operations against NumPy."""
    errors = []
    for _ in range(trials):
        u, v = rng.standard_normal(3), rng.standard_normal(3)
        c = float(rng.standard_normal())
        lu, lv = u.tolist(), v.tolist()
        errors += [
            relative_error(vectors.add(lu, lv), u + v),
            relative_error(vectors.scale(c, lu), c * u),
            relative_error(vectors.dot(lu, lv), u @ v),
            relative_error(vectors.cross(lu, lv), np.cross(u, v)),
            relative_error(vectors.project(lu, lv), (u @ v) / (v @ v) * v),
        ]
        errors += [
            relative_error(vectors.norm(lu, p), np.linalg.norm(u, p)) for p in (1, 2, 3, math.inf)
        ]
    return max(errors)


def rejected(call: Callable[[], object], error: type[Exception]) -> bool:
    """Return True when `call()` raises `error` (the clear refusal we want)."""
    try:
        call()
    except error:
        return True
    return False


def best_time(call: Callable[[], object], repeats: int) -> float:
    """Return the fastest of `repeats` timings of `call()` in seconds (least disturbed by load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def inverse_error_vs_condition(ctx: RunContext, rng: np.random.Generator, points: int) -> None:
    """Plot the inverse's disagreement with NumPy against cond(A), beside the cond·eps line."""
    conds = np.geomspace(1.0, 1e11, points)
    errors = [
        relative_error(matrix.inverse(a.tolist()), np.linalg.inv(a))
        for a in (with_condition(rng, 6, c) for c in conds)
    ]
    fig, ax = subplots(width=6.5, height=4.2)
    ax.loglog(conds, errors, "o-", label="Gauss–Jordan vs numpy.linalg.inv")
    ax.loglog(conds, conds * np.finfo(float).eps, "--", color="grey", label="cond(A) · eps")
    ax.axhline(1e-6, color="C3", lw=1, label="bar 1e-6")
    ax.legend()
    label(
        ax, "Inverse accuracy falls with conditioning", "condition number cond(A)", "relative diff"
    )
    ctx.save_figure(
        fig,
        "inverse_vs_condition",
        "Disagreement grows like cond(A)·eps: an ill-conditioned inverse loses digits "
        "whoever computes it",
    )


def run(ctx: RunContext) -> dict[str, float]:
    """Run every routine against NumPy and return the worst relative error of each."""
    config = FAST if ctx.fast else FULL
    rng = np.random.default_rng(ctx.seed)
    errors: dict[str, list[float]] = {
        k: [] for k in ("matmul", "inverse", "determinant", "eigvals_qr", "eigvecs_qr", "power")
    }
    cases = list(test_matrices(rng, config))
    ctx.log(f"checking {len(cases)} matrices against numpy.linalg")
    for _, a in cases:
        rows = a.tolist()
        errors["matmul"].append(
            relative_error(matrix.matmul(rows, matrix.transpose(rows)), a @ a.T)
        )
        errors["inverse"].append(relative_error(matrix.inverse(rows), np.linalg.inv(a)))
        errors["determinant"].append(relative_error(matrix.determinant(rows), np.linalg.det(a)))
        sym = (a + a.T) / 2
        values, vecs = eigen.symmetric_eigen(sym.tolist())
        ref_values, ref_vecs = np.linalg.eigh(sym)
        errors["eigvals_qr"].append(relative_error(values, ref_values))
        errors["eigvecs_qr"].append(
            relative_error(align_signs(np.array(vecs), ref_vecs.T), ref_vecs.T)
        )
        spd = a @ a.T
        value, vec = eigen.power_iteration(spd.tolist())
        ref_values, ref_vecs = np.linalg.eigh(spd)
        errors["power"].append(relative_error(value, ref_values[-1]))
        errors["power"].append(
            relative_error(align_signs(np.array([vec]), ref_vecs[:, -1:].T), ref_vecs[:, -1:].T)
        )

    singular = singular_matrices(rng)
    singular_rejected = [
        rejected(lambda s=s: matrix.inverse(s.tolist()), matrix.SingularMatrixError)
        for s in singular
    ]
    hadamard = [float(np.prod(np.linalg.norm(s, axis=1))) or 1.0 for s in singular]
    singular_det = max(
        abs(matrix.determinant(s.tolist())) / h for s, h in zip(singular, hadamard, strict=True)
    )
    nonsquare = rng.standard_normal((3, 4)).tolist()
    nonsquare_calls = [
        matrix.inverse,
        matrix.determinant,
        eigen.symmetric_eigen,
        eigen.power_iteration,
    ]
    nonsquare_rejected = [rejected(lambda f=f: f(nonsquare), ValueError) for f in nonsquare_calls]

    n = config.timed_size
    a = rng.standard_normal((n, n))
    python_seconds = best_time(lambda: matrix.matmul(a.tolist(), a.tolist()), 3)
    numpy_seconds = best_time(lambda: a @ a, 50)

    inverse_error_vs_condition(ctx, rng, config.conditions_plotted)
    ctx.note(
        f"Checked {len(cases)} matrices (random, Hilbert, and cond(A) = 1e4, 1e6, 1e8) plus "
        "their symmetric parts (QR algorithm) and Gram matrices AAᵀ (power iteration). "
        f"All {len(singular)} singular matrices were refused by `inverse` with "
        "`SingularMatrixError`; "
        f"their LU determinants are at most {singular_det:.1e} of Hadamard's bound Π‖rowᵢ‖, i.e. "
        "zero to rounding. Eigenvectors are compared after fixing their sign, which is arbitrary. "
        f"A {n}×{n} product took {python_seconds * 1e3:.0f} ms in pure Python and "
        f"{numpy_seconds * 1e3:.3f} ms in NumPy (BLAS): the same arithmetic, "
        f"{python_seconds / numpy_seconds:.0f}× faster when compiled and vectorized."
    )
    metrics = {f"max_rel_err_{k}": max(v) for k, v in errors.items()}
    metrics["max_rel_err_power_iteration"] = metrics.pop("max_rel_err_power")
    return {
        "max_rel_err_vectors": check_vectors(rng, config.vector_trials),
        **metrics,
        "singular_rejected_rate": float(np.mean(singular_rejected)),
        "singular_det_over_hadamard": singular_det,
        "nonsquare_rejected_rate": float(np.mean(nonsquare_rejected)),
        "matmul_numpy_speedup": python_seconds / numpy_seconds,
    }
