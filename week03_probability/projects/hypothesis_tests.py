"""Hypothesis tests on the Titanic: did survivors pay more, and did sex matter?

Welch's and Student's two-sample t-tests of fare by survival, and Pearson's chi-square tests
of independence for sex × survival (with and without Yates' correction) and class × survival,
each computed from its formula (formulas.py) and checked against `scipy.stats`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from shared.bars import Bar
from shared.context import RunContext
from shared.data import read_titanic
from shared.plotting import label, subplots
from shared.report import markdown_table
from week03_probability import formulas


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    passengers: int | None = None  # a random sample of this many passengers; None: all 891


FULL = Config()
FAST = Config(passengers=300)

# Welch (1947) Biometrika 34; Pearson (1900) Phil. Mag. 50; checked against scipy.stats
# ttest_ind / chi2_contingency (Virtanen et al. 2020, Nature Methods 17).
_REF = "scipy.stats.ttest_ind / chi2_contingency, 6 digits (Welch 1947; Pearson 1900)"
BARS = [
    Bar("t_stat_rel_diff_scipy", "<=", 1e-6, _REF),
    Bar("t_df_rel_diff_scipy", "<=", 1e-6, _REF),
    Bar("t_pvalue_rel_diff_scipy", "<=", 1e-6, _REF),
    Bar("chi2_stat_rel_diff_scipy", "<=", 1e-6, _REF),
    Bar("chi2_pvalue_rel_diff_scipy", "<=", 1e-6, _REF),
]


def t_tests(survived: np.ndarray, died: np.ndarray) -> tuple[dict[str, float], list[tuple]]:
    """Run Welch's and Student's t-tests; return the worst differences from SciPy and a table."""
    diffs: dict[str, list[float]] = {"stat": [], "df": [], "pvalue": []}
    rows = []
    for name, ours, equal_var in (
        ("Welch", formulas.welch_t_test(survived, died), False),
        ("Student", formulas.student_t_test(survived, died), True),
    ):
        ref = stats.ttest_ind(survived, died, equal_var=equal_var)
        diffs["stat"].append(formulas.relative_difference(ours.statistic, ref.statistic))
        diffs["df"].append(formulas.relative_difference(ours.df, ref.df))
        diffs["pvalue"].append(formulas.relative_difference(ours.pvalue, ref.pvalue))
        rows.append(
            (f"{name} t, fare by survival", ours.statistic, ours.df, ours.pvalue, ref.pvalue)
        )
    return {f"t_{k}_rel_diff_scipy": max(v) for k, v in diffs.items()}, rows


def chi_square_tests(df: pd.DataFrame) -> tuple[dict[str, float], list[tuple]]:
    """Run the chi-square tests of independence; return the worst differences and a table."""
    diffs: dict[str, list[float]] = {"stat": [], "pvalue": []}
    rows = []
    for name, column, yates in (
        ("sex × survival", "Sex", False),
        ("sex × survival, Yates", "Sex", True),
        ("class × survival", "Pclass", False),
    ):
        table = pd.crosstab(df[column], df["Survived"]).to_numpy()
        ours = formulas.chi_square_independence(table, yates=yates)
        ref = stats.chi2_contingency(table, correction=yates)
        diffs["stat"].append(formulas.relative_difference(ours.statistic, ref.statistic))
        diffs["pvalue"].append(formulas.relative_difference(ours.pvalue, ref.pvalue))
        rows.append((f"χ² {name}", ours.statistic, ours.df, ours.pvalue, ref.pvalue))
    return {f"chi2_{k}_rel_diff_scipy": max(v) for k, v in diffs.items()}, rows


def figures(ctx: RunContext, df: pd.DataFrame) -> None:
    """Figures: fares of survivors and victims; observed vs expected sex × survival counts."""
    fig, (left, right) = subplots(1, 2, width=5.6, height=4.2)
    bins = np.geomspace(4, 520, 40)
    for outcome, name, color in ((0, "died", "C0"), (1, "survived", "C1")):
        fares = df.loc[df["Survived"] == outcome, "Fare"]
        left.hist(
            fares[fares > 0],
            bins=bins,
            alpha=0.55,
            color=color,
            label=f"{name} (mean £{fares.mean():.0f})",
        )
    left.set_xscale("log")
    left.legend()
    label(left, "Fare by survival", "fare (£, log scale)", "passengers")

    table = pd.crosstab(df["Sex"], df["Survived"])
    expected = formulas.expected_counts(table.to_numpy())
    cells = [f"{sex}\n{'survived' if s else 'died'}" for sex in table.index for s in table.columns]
    x = np.arange(len(cells))
    right.bar(x - 0.2, table.to_numpy().ravel(), width=0.4, label="observed")
    right.bar(x + 0.2, expected.ravel(), width=0.4, label="expected if independent")
    right.set_xticks(x, cells)
    right.legend()
    label(right, "Sex × survival", "", "passengers")
    ctx.save_figure(
        fig,
        "fare_and_sex",
        "Survivors paid more, and far more women survived than independence would predict",
    )


def run(ctx: RunContext) -> dict[str, float]:
    """Run the t and chi-square tests from their formulas and check them against SciPy."""
    config = FAST if ctx.fast else FULL
    df = read_titanic(ctx.dataset("titanic"))
    if config.passengers is not None:
        df = df.sample(config.passengers, random_state=ctx.seed)
    survived = df.loc[df["Survived"] == 1, "Fare"].to_numpy(float)
    died = df.loc[df["Survived"] == 0, "Fare"].to_numpy(float)
    t_metrics, t_rows = t_tests(survived, died)
    chi_metrics, chi_rows = chi_square_tests(df)
    figures(ctx, df)
    ctx.note(
        "Every null hypothesis is rejected far beyond any usual level. Fares are heavily skewed "
        "(a few £500 tickets), which is why Welch's test — no equal-variance assumption — is the "
        "one to read; Student's is shown for contrast.\n\n"
        + markdown_table(
            ["test", "statistic", "df", "p (ours)", "p (scipy)"],
            [(*r[:3], f"{r[3]:.4e}", f"{r[4]:.4e}") for r in t_rows + chi_rows],
        )
    )
    welch = formulas.welch_t_test(survived, died)
    sex = formulas.chi_square_independence(pd.crosstab(df["Sex"], df["Survived"]).to_numpy())
    return {
        **t_metrics,
        **chi_metrics,
        "welch_t": welch.statistic,
        "welch_pvalue": welch.pvalue,
        "chi2_sex_survival": sex.statistic,
        "chi2_sex_pvalue": sex.pvalue,
    }
