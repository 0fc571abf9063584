"""The Statlog German credit cost matrix: what a wrong credit decision costs.

The dataset's documentation prices the two mistakes unequally: approving a bad risk costs 5,
rejecting a good applicant costs 1. Week 6 tunes its decision threshold against it; week 22's
loan service reads approvals through the same matrix.
"""

from __future__ import annotations

import numpy as np

COST_FALSE_APPROVAL = 5.0
COST_FALSE_REJECTION = 1.0


def misclassification_cost(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Return the mean cost per applicant: 5 per bad risk approved, 1 per good one rejected."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    approved_bad = np.sum((y_true == 1) & (y_pred == 0))
    rejected_good = np.sum((y_true == 0) & (y_pred == 1))
    return float(COST_FALSE_APPROVAL * approved_bad + COST_FALSE_REJECTION * rejected_good) / len(
        y_true
    )
