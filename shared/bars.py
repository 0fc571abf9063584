"""Quality bars: the published target a project's metric must reach, checked on every run."""

from __future__ import annotations

import operator
from dataclasses import dataclass

_OPS = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Bar:
    """A target for one metric, e.g. Bar("cv_accuracy", ">=", 0.80, "Kaggle gender baseline")."""

    metric: str
    op: str
    target: float
    reference: str

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(
                f"bar on {self.metric}: op must be one of {sorted(_OPS)}, not {self.op!r}"
            )

    def check(self, metrics: dict[str, float]) -> dict | None:
        """Return the bar's result row for metrics.json, or None when the metric was not measured."""
        if self.metric not in metrics:
            return None
        value = float(metrics[self.metric])
        return {
            "metric": self.metric,
            "op": self.op,
            "target": self.target,
            "value": value,
            "passed": bool(_OPS[self.op](value, self.target)),
            "reference": self.reference,
        }
