"""Survival rate broken down by one passenger attribute, with its plot and its finding."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes

from shared.plotting import label


@dataclass
class SurvivalBreakdown:
    """Survival rate of each group of `by` (e.g. Sex), compared with the overall rate."""

    df: pd.DataFrame
    by: str
    title: str

    def table(self) -> pd.DataFrame:
        """Return passengers, survivors and survival rate per group, in the data's group order."""
        grouped = self.df.groupby(self.by, observed=True)["Survived"]
        return pd.DataFrame(
            {"passengers": grouped.size(), "survived": grouped.sum(), "rate": grouped.mean()}
        )

    def finding(self) -> str:
        """One line saying which group fared best and worst."""
        rates = self.table()["rate"].sort_values(ascending=False)
        shown = ", ".join(map(lambda item: f"{item[0]} {item[1]:.0%}", rates.items()))
        best, worst = rates.index[0], rates.index[-1]
        ratio = rates.iloc[0] / rates.iloc[-1]
        return f"{self.title}: {shown} — {best} survived {ratio:.1f}x as often as {worst}."

    def plot(self, ax: Axes) -> Axes:
        """Bar chart of survival rate per group with the overall rate as a dashed line."""
        table = self.table()
        bars = ax.bar([str(g) for g in table.index], table["rate"], color="tab:blue", alpha=0.85)
        ax.bar_label(
            bars,
            labels=[
                f"{r:.0%}\nn={n}" for r, n in zip(table["rate"], table["passengers"], strict=True)
            ],
        )
        ax.axhline(self.df["Survived"].mean(), ls="--", color="grey", label="all passengers")
        ax.set_ylim(0, 1.15)
        ax.legend(loc="upper right")
        return label(ax, f"Survival by {self.title.lower()}", self.by, "survival rate")
