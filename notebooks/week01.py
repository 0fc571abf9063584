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
# # Week 01 — Python & data foundations: Titanic EDA
#
# Who survived the Titanic? This notebook walks through the `titanic_eda` project on Kaggle's
# 891-passenger training set: load it through the registry (sha256-checked), compute summary
# statistics in plain Python and check them against pandas, then look at missing values,
# distributions, correlations and survival by sex, class, age band and port.
#
# Every step calls the week's own modules (`week01_eda`, `shared`); nothing is copied here.

# %%
import matplotlib.pyplot as plt

from shared.bars import check_bars
from shared.data import read_titanic
from shared.plotting import subplots
from shared.preprocessing import add_titanic_features, missing_report
from shared.registry import fetch
from week01_eda.projects.titanic_eda import (
    BARS,
    breakdowns,
    plot_correlation,
    plot_distributions,
    plot_missing,
    summary_statistics,
)

# %matplotlib inline

# %% [markdown]
# ## 1. The data
# `fetch("titanic")` returns the cached, sha256-verified CSV; `read_titanic` checks its columns
# and row count; `add_titanic_features` adds the title, family size and cabin deck.

# %%
df = add_titanic_features(read_titanic(fetch("titanic")))
print(f"{len(df)} passengers, {df.shape[1]} columns")
df.head()

# %% [markdown]
# ## 2. Summary statistics, in plain Python
# `summary_statistics` computes mean, median, variance and the correlation with survival in plain
# Python (`week01_eda/stats.py`) and returns the largest relative error against pandas: it should
# be at floating-point level (about 1e-15).

# %%
table, rel_error = summary_statistics(df)
print(f"largest relative error against pandas: {rel_error:.1e}")
table.round(3)

# %% [markdown]
# ## 3. Missing values
# Cabin is mostly missing, Age for about a fifth of the passengers: any model will have to impute.

# %%
missing_report(df).head()

# %% [markdown]
# ## 4. The figures
# The project's drawing functions are wrapped by `report_figure`, which saves each figure for the
# report. `__wrapped__` is the drawing function itself: here it draws on axes we make, so the
# figure shows inline, and it returns the figure's one-line finding.
#
# Look at: which column is missing most; how skewed fares are (log scale); which two columns
# correlate most with survival.

# %%
fig, ax = subplots(width=7, height=3.5)
print(plot_missing.__wrapped__(ax, df))

# %%
fig, axes = subplots(ncols=2, width=5.5)
print(plot_distributions.__wrapped__(axes, df))

# %%
fig, ax = subplots(width=6.5, height=5.5)
print(plot_correlation.__wrapped__(ax, df))

# %% [markdown]
# ## 5. Survival by group
# One `SurvivalBreakdown` per grouping knows its table, its plot and its finding. Women, first
# class and children survived far more often.

# %%
fig, axes = subplots(ncols=2, nrows=2, width=6, height=4)
for breakdown, ax in zip(breakdowns(df), axes.flat, strict=True):
    breakdown.plot(ax)
    print(breakdown.finding())
plt.show()

# %% [markdown]
# ## 6. The quality bars
# The project declares two bars: the plain-Python statistics equal pandas', and the survival rate
# is Kaggle's 342 of 891.

# %%
metrics = {"stats_max_rel_error": rel_error, "survival_rate": df["Survived"].mean()}
checked, _ = check_bars(BARS, metrics, ["titanic"])
for row in checked:
    verdict = "PASS" if row["passed"] else "FAIL"
    print(f"{verdict} {row['metric']} {row['op']} {row['target']}: {row['value']:.4g}")
