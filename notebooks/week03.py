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
# # Week 03 — Probability & statistics: hypothesis tests on the Titanic
#
# Did survivors pay more for their tickets, and did sex and class matter? This notebook walks
# through the `hypothesis_tests` project at FAST size (a random sample of 300 passengers):
# Welch's and Student's t-tests of fare by survival and Pearson's chi-square tests of
# independence, each computed from its formula (`week03_probability/formulas.py`) and checked
# against `scipy.stats`. It ends with the `lln_clt` project's dice: the central limit theorem.
#
# Every step calls the week's own modules (`week03_probability`, `shared`); nothing is copied.

# %%
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Image, display

from shared.bars import check_bars
from shared.context import RunContext
from shared.data import read_titanic
from shared.registry import fetch
from week03_probability import formulas
from week03_probability.projects import hypothesis_tests, lln_clt

# %matplotlib inline

# %% [markdown]
# ## 1. The data
# The `titanic` registry entry (sha256-checked), sampled to the FAST size.

# %%
cfg = hypothesis_tests.FAST
df = read_titanic(fetch("titanic")).sample(cfg.passengers, random_state=0)
survived = df.loc[df["Survived"] == 1, "Fare"].to_numpy(float)
died = df.loc[df["Survived"] == 0, "Fare"].to_numpy(float)
print(f"{len(survived)} survivors (mean fare £{survived.mean():.0f}), ", end="")
print(f"{len(died)} who died (mean fare £{died.mean():.0f})")

# %% [markdown]
# ## 2. Did survivors pay more? Welch's t-test
# Fares are heavily skewed (a few £500 tickets) and the two groups' variances differ, so Welch's
# test (no equal-variance assumption) is the one to read; Student's is shown for contrast.
# `formulas.welch_t_test` computes the statistic, the Welch–Satterthwaite degrees of freedom and
# the two-sided p-value from the formula.

# %%
welch = formulas.welch_t_test(survived, died)
print(f"Welch: t = {welch.statistic:.3f}, df = {welch.df:.1f}, p = {welch.pvalue:.2e}")
t_metrics, t_rows = hypothesis_tests.t_tests(survived, died)
pd.Series(t_metrics)

# %% [markdown]
# ## 3. Did sex and class matter? Chi-square tests of independence
# The expected counts are what the table would hold if survival did not depend on sex; the
# statistic sums (observed − expected)² / expected.

# %%
table = pd.crosstab(df["Sex"], df["Survived"])
print("observed:\n", table, "\nexpected if independent:\n", formulas.expected_counts(table))
chi_metrics, chi_rows = hypothesis_tests.chi_square_tests(df)
pd.DataFrame(
    t_rows + chi_rows, columns=["test", "statistic", "df", "p (ours)", "p (scipy)"]
).set_index("test")

# %% [markdown]
# ## 4. The figure
# Left: fares of survivors and of those who died (log scale); right: observed against expected
# sex × survival counts. The project draws it into a throw-away run folder (never `reports/`).

# %%
ctx = RunContext(week=3, project="hypothesis_tests", out=Path(tempfile.mkdtemp()), fast=True)
hypothesis_tests.figures(ctx, df)
for name, caption in ctx.figures:
    display(Image(ctx.figures_dir / Path(name).name))
    print(caption)

# %% [markdown]
# ## 5. The quality bars
# Every statistic and p-value must equal `scipy.stats`' to six significant digits.

# %%
metrics = {**t_metrics, **chi_metrics}
checked, _ = check_bars(hypothesis_tests.BARS, metrics, ["titanic"])
for row in checked:
    verdict = "PASS" if row["passed"] else "FAIL"
    print(f"{verdict} {row['metric']} {row['op']} {row['target']}: {row['value']:.2e}")

# %% [markdown]
# ## 6. Why the tests work: the central limit theorem
# A t-test treats a sample mean as normal. The `lln_clt` project shows why: the mean of one die
# is flat, the mean of 30 dice hugs the normal curve. Look at the KS distance in each panel; for
# 30 dice it must stay inside the Berry–Esseen bound.

# %%
ctx = RunContext(week=3, project="lln_clt", out=Path(tempfile.mkdtemp()), fast=True)
clt = lln_clt.dice_figure(ctx, np.random.default_rng(0), lln_clt.FAST.draws)
for name, caption in ctx.figures:
    display(Image(ctx.figures_dir / Path(name).name))
    print(caption)
print(f"KS, mean of 30 dice: {clt['ks_mean_of_30_dice']:.4f}", end=" ")
print(f"(Berry–Esseen bound {lln_clt.BERRY_ESSEEN_30:.4f})")
