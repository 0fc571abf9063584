"""Quality bars: the published target a project's metric must reach, checked on every run.

No bar is dropped silently. A bar whose metric the run did not produce, or produced as NaN or
infinity, is a broken bar: its row says why and the project FAILS (fast runs too), because a
renamed metric must not quietly remove a bar. A bar declared for one dataset (`data=`) whose
metric is absent because the run used other data is listed as not applicable, with the reason.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_OPS = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Bar:
    """A target for one metric, e.g. Bar("cv_accuracy", ">=", 0.80, "Kaggle gender baseline").

    `data` names the registry dataset the bar is about when a project may run on another one
    (a stand-in): the bar is then not applicable to a run that did not use that dataset.
    """

    metric: str
    op: str
    target: float
    reference: str
    data: str | None = None

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(
                f"bar on {self.metric}: op must be one of {sorted(_OPS)}, not {self.op!r}"
            )

    def row(self) -> dict:
        """Return the bar's declaration as a metrics.json row (without a result)."""
        return {"metric": self.metric, "op": self.op, "target": self.target}

    def check(self, metrics: Mapping[str, float]) -> dict:
        """Return the bar's result row; a missing or non-finite metric fails with a `problem`."""
        row = self.row()
        if self.metric not in metrics:
            names = sorted(metrics)
            produced = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if names[8:] else "")
            problem = (
                f"bar on '{self.metric}': the run did not produce this metric "
                f"(it produced: {produced or 'none'}); fix the metric's name or the bar"
            )
            return self._broken(problem)
        value = float(metrics[self.metric])
        if not math.isfinite(value):
            problem = f"bar on '{self.metric}': the metric is {value}, not a number to compare"
            return self._broken(problem)
        passed = bool(_OPS[self.op](value, self.target))
        return {**row, "value": value, "passed": passed, "reference": self.reference}

    def _broken(self, problem: str) -> dict:
        """Return the failed row of a bar that could not be compared, saying why."""
        row = {**self.row(), "value": None, "passed": False, "reference": self.reference}
        return {**row, "problem": problem}

    def not_applicable(self, metrics: Mapping[str, float], datasets: Sequence[str]) -> str | None:
        """Return why the bar does not apply to this run, or None when it must be checked.

        A bar applies whenever its metric was measured; otherwise only a bar declared for a
        dataset the run did not use is excused.
        """
        if self.metric in metrics or self.data is None or self.data in datasets:
            return None
        used = ", ".join(datasets) or "no registry data"
        return f"applies only to runs on {self.data}; this run used {used}"


def check_bars(
    bars: Sequence[Bar], metrics: Mapping[str, float], datasets: Sequence[str]
) -> tuple[list[dict], list[dict]]:
    """Return (checked rows, not-applicable rows) for every declared bar; none is dropped."""
    checked, skipped = [], []
    for bar in bars:
        reason = bar.not_applicable(metrics, datasets)
        if reason is None:
            checked.append(bar.check(metrics))
        else:
            skipped.append({**bar.row(), "reference": bar.reference, "reason": reason})
    return checked, skipped


def bar_problems(rows: Sequence[dict]) -> list[str]:
    """Return the problems of broken bars (metric missing or not finite), one line each."""
    return [row["problem"] for row in rows if row.get("problem")]
