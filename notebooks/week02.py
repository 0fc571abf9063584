# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Week 02 — Linear algebra: from-scratch routines checked against NumPy
#
# Vectors, matrices and eigenvalues written out in pure Python lists (so every multiply-add is
# visible) and checked against `numpy.linalg`. This notebook walks through the `linalg_check`
# project at FAST size: a few operations by hand, then the worst disagreement with NumPy over
# random, Hilbert and ill-conditioned matrices, the refusals of singular and non-square input,
# and how accuracy falls with the condition number.
#
# Every step calls the week's own modules (`week02_linalg`, `shared`); nothing is copied here.

# %%
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Image, display

from shared.bars import check_bars
from shared.context import RunContext
from shared.evaluation import relative_error
from week02_linalg import eigen, matrix, vectors
from week02_linalg.projects.linalg_check import (
    BARS,
    FAST,
    check_vectors,
    inverse_error_vs_condition,
    singular_matrices,
    test_matrices,
)

# %matplotlib inline

rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Vectors and matrices as lists
# The routines take plain lists. `relative_error` is normwise: max|ours − numpy| / max|numpy|.

# %%
u, v = [1.0, 2.0, 3.0], [4.0, -1.0, 0.5]
print("u · v =", vectors.dot(u, v), " u × v =", vectors.cross(u, v))
print("projection of u onto v:", vectors.project(u, v))
a = rng.standard_normal((4, 4))
print("matmul error:", relative_error(matrix.matmul(a.tolist(), a.T.tolist()), a @ a.T))
print("inverse error:", relative_error(matrix.inverse(a.tolist()), np.linalg.inv(a)))
print("det ours / numpy:", matrix.determinant(a.tolist()), np.linalg.det(a))

# %% [markdown]
# ## 2. Eigenvalues: the shifted QR algorithm and power iteration
# `symmetric_eigen` runs the QR algorithm with a Wilkinson shift on a symmetric matrix;
# `power_iteration` finds the largest eigenvalue of a Gram matrix AAᵀ.

# %%
sym = (a + a.T) / 2
values, _ = eigen.symmetric_eigen(sym.tolist())
print("QR algorithm:", np.round(values, 6))
print("numpy.eigh:  ", np.round(np.linalg.eigh(sym)[0], 6))
value, _ = eigen.power_iteration((a @ a.T).tolist())
print("power iteration:", value, " numpy:", np.linalg.eigh(a @ a.T)[0][-1])

# %% [markdown]
# ## 3. The project's test matrices
# `test_matrices` yields random matrices of each size, Hilbert matrices and matrices with a
# prescribed condition number (1e4, 1e6, 1e8). Look at how the inverse's error grows with the
# kind: the Hilbert and ill-conditioned matrices lose digits, the random ones almost none.

# %%
rows = [
    {
        "kind": kind,
        "n": len(m),
        "cond": np.linalg.cond(m),
        "matmul": relative_error(matrix.matmul(m.tolist(), m.T.tolist()), m @ m.T),
        "inverse": relative_error(matrix.inverse(m.tolist()), np.linalg.inv(m)),
        "determinant": relative_error(matrix.determinant(m.tolist()), np.linalg.det(m)),
    }
    for kind, m in test_matrices(rng, FAST)
]
errors = pd.DataFrame(rows)
errors.groupby("kind")[["cond", "matmul", "inverse", "determinant"]].max()

# %% [markdown]
# ## 4. Bad input is refused
# A singular matrix has no inverse: `inverse` raises `SingularMatrixError` naming the column
# without a pivot; a non-square matrix raises `ValueError` naming its shape.

# %%
for singular in singular_matrices(rng):
    try:
        matrix.inverse(singular.tolist())
    except matrix.SingularMatrixError as error:
        print("refused:", error)
try:
    matrix.determinant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
except ValueError as error:
    print("refused:", error)

# %% [markdown]
# ## 5. Accuracy against the condition number
# The project's figure: the inverse's disagreement with NumPy grows like cond(A)·eps, the
# rounding any backward-stable algorithm cannot avoid. It is drawn into a throw-away run folder
# (never `reports/`) and shown here.

# %%
ctx = RunContext(week=2, project="linalg_check", out=Path(tempfile.mkdtemp()), fast=True)
inverse_error_vs_condition(ctx, rng, FAST.conditions_plotted)
for name, caption in ctx.figures:
    display(Image(ctx.figures_dir / Path(name).name))
    print(caption)

# %% [markdown]
# ## 6. The quality bars
# Golub & Van Loan: backward-stable algorithms agree with LAPACK to about cond(A)·eps, so at most
# 1e-6 for these matrices. (The full project also checks eigenvectors and power iteration over
# every matrix: `python -m week02_linalg --project linalg_check --fast`.)

# %%
metrics = {
    "max_rel_err_vectors": check_vectors(rng, FAST.vector_trials),
    "max_rel_err_matmul": errors["matmul"].max(),
    "max_rel_err_inverse": errors["inverse"].max(),
    "max_rel_err_determinant": errors["determinant"].max(),
}
checked, _ = check_bars([bar for bar in BARS if bar.metric in metrics], metrics, [])
for row in checked:
    verdict = "PASS" if row["passed"] else "FAIL"
    print(f"{verdict} {row['metric']} {row['op']} {row['target']}: {row['value']:.3g}")
