"""Titanic exploratory data analysis.

Who survived the Titanic? On Kaggle's 891-passenger training set: summary statistics (computed
in plain Python and checked against pandas), a missing-value report, distributions, a
correlation heatmap, and survival by sex, class, age band and port of embarkation, each figure
with its one-line finding.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from shared.bars import Bar
from shared.context import RunContext
from shared.data import read_titanic
from shared.plotting import label, subplots
from shared.preprocessing import add_titanic_features, age_band, missing_report
from shared.report import markdown_table
from week01_eda import stats
from week01_eda.survival import SurvivalBreakdown

NUMERIC = ["Age", "Fare", "SibSp", "Parch", "Pclass", "Survived"]
PORTS = {"C": "Cherbourg", "Q": "Queenstown", "S": "Southampton"}

BARS = [
    # The plain-Python statistics must match pandas to floating-point accuracy.
    Bar(
        "stats_max_rel_error", "<=", 1e-9, "pandas.DataFrame.mean/median/var/corr on the same data"
    ),
    # 342 of 891 passengers in Kaggle's train.csv survived (Kaggle Titanic data page).
    Bar("survival_rate", ">=", 0.3838, "Kaggle Titanic: 342 of 891 training passengers survived"),
    Bar("survival_rate", "<=", 0.3839, "Kaggle Titanic: 342 of 891 training passengers survived"),
]


def report_figure(name: str, **layout: float) -> Callable:
    """Decorator: run a drawing function on a fresh figure and save it with the finding it returns."""

    def decorate(draw: Callable[..., str]) -> Callable[[RunContext, pd.DataFrame], str]:
        @functools.wraps(draw)
        def wrapper(ctx: RunContext, df: pd.DataFrame) -> str:
            fig, axes = subplots(**layout)
            finding = draw(axes, df)
            ctx.save_figure(fig, name, finding)
            return finding

        return wrapper

    return decorate


@report_figure("missing_values", width=7, height=3.5)
def plot_missing(ax: Axes, df: pd.DataFrame) -> str:
    """Percentage of missing values per column."""
    report = missing_report(df)
    sns.barplot(x=report["percent"], y=report.index, hue=report.index, ax=ax, legend=False)
    ax.bar_label(ax.containers[0], fmt="%.1f%%")
    label(ax, "Missing values", "% of passengers", "")
    worst = report.index[0]
    return (
        f"{worst} is missing for {report['percent'].iloc[0]:.0f}% of passengers, Age for "
        f"{report.loc['Age', 'percent']:.0f}%; Embarked lacks only {report.loc['Embarked', 'missing']} rows."
    )


@report_figure("distributions", ncols=2, width=5.5)
def plot_distributions(axes: np.ndarray, df: pd.DataFrame) -> str:
    """Age and fare histograms, split by survival."""
    outcome = df["Survived"].map({0: "died", 1: "survived"})
    sns.histplot(df, x="Age", hue=outcome, multiple="stack", bins=32, ax=axes[0])
    label(axes[0], "Age", "age (years)", "passengers")
    sns.histplot(
        df, x="Fare", hue=outcome, multiple="stack", bins=40, log_scale=(True, False), ax=axes[1]
    )
    label(axes[1], "Fare (log scale)", "fare (£)", "passengers")
    fare = df.groupby(outcome)["Fare"].median()
    return (
        f"Fares are right-skewed (median £{df['Fare'].median():.2f}, mean £{df['Fare'].mean():.2f}); "
        f"survivors paid a median £{fare['survived']:.2f} against £{fare['died']:.2f} for those who died."
    )


@report_figure("correlation_heatmap", width=6.5, height=5.5)
def plot_correlation(ax: Axes, df: pd.DataFrame) -> str:
    """Pearson correlations of the numeric columns and Sex (female = 1)."""
    numeric = df[NUMERIC].assign(
        Female=(df["Sex"] == "female").astype(int), FamilySize=df["FamilySize"]
    )
    corr = numeric.corr()
    mask = np.triu(np.ones_like(corr, dtype=bool), k=1)
    sns.heatmap(
        corr, mask=mask, annot=True, fmt=".2f", cmap="vlag", center=0, vmin=-1, vmax=1, ax=ax
    )
    label(ax, "Correlation matrix")
    with_survival = corr["Survived"].drop("Survived")
    top = with_survival.abs().sort_values(ascending=False).index[:2]
    return (
        f"Survival correlates most with {top[0]} ({with_survival[top[0]]:+.2f}) and "
        f"{top[1]} ({with_survival[top[1]]:+.2f})."
    )


def summary_statistics(df: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Mean, median, variance (plain Python) per numeric column; also the max relative error vs pandas."""
    columns = {c: df[c].tolist() for c in ["Age", "Fare", "SibSp", "Parch"]}
    ours = pd.DataFrame(stats.describe(columns)).T
    ours["corr_with_survived"] = [stats.correlation(*_paired(df, c, "Survived")) for c in columns]
    reference = pd.DataFrame(
        {
            "mean": df[list(columns)].mean(),
            "median": df[list(columns)].median(),
            "variance": df[list(columns)].var(),
            "corr_with_survived": df[list(columns)].corrwith(df["Survived"]),
        }
    )
    rel_error = ((ours - reference).abs() / reference.abs().clip(lower=1e-12)).to_numpy().max()
    return ours, float(rel_error)


def _paired(df: pd.DataFrame, x: str, y: str) -> tuple[list[float], list[float]]:
    """Rows where both columns are present, as two lists (pandas' pairwise-complete rule)."""
    both = df[[x, y]].dropna()
    return both[x].tolist(), both[y].tolist()


def breakdowns(df: pd.DataFrame) -> list[SurvivalBreakdown]:
    """The four survival breakdowns the report shows."""
    return [
        SurvivalBreakdown(df, "Sex", "Sex"),
        SurvivalBreakdown(
            df.assign(Class=df["Pclass"].map({1: "1st", 2: "2nd", 3: "3rd"})), "Class", "Class"
        ),
        SurvivalBreakdown(df.assign(AgeBand=age_band(df["Age"])), "AgeBand", "Age band"),
        SurvivalBreakdown(df.assign(Port=df["Embarked"].map(PORTS)), "Port", "Port of embarkation"),
    ]


def run(ctx: RunContext) -> dict[str, float]:
    """Explore the Titanic passengers and report what predicts survival."""
    df = add_titanic_features(read_titanic(ctx.dataset("titanic")))
    ctx.log(f"{len(df)} passengers, {df.shape[1]} columns")

    table, rel_error = summary_statistics(df)
    rows = [(name, *row) for name, row in table.round(3).iterrows()]
    ctx.note(
        "**Summary statistics** (plain Python, equal to pandas within "
        f"{rel_error:.1e} relative)\n\n" + markdown_table(["column", *table.columns], rows)
    )

    findings = [plot_missing(ctx, df), plot_distributions(ctx, df), plot_correlation(ctx, df)]
    for breakdown in breakdowns(df):
        fig, ax = subplots(width=6, height=4)
        breakdown.plot(ax)
        ctx.save_figure(fig, f"survival_by_{breakdown.by}", breakdown.finding())
        findings.append(breakdown.finding())
    ctx.note("**Findings**\n\n" + "\n".join(f"- {f}" for f in findings))

    by_sex = SurvivalBreakdown(df, "Sex", "Sex").table()["rate"]
    by_class = df.groupby("Pclass")["Survived"].mean()
    return {
        "passengers": len(df),
        "survival_rate": df["Survived"].mean(),
        "female_survival_rate": by_sex["female"],
        "male_survival_rate": by_sex["male"],
        "first_class_survival_rate": by_class[1],
        "third_class_survival_rate": by_class[3],
        "stats_max_rel_error": rel_error,
    }
