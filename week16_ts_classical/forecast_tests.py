"""Statistics about forecasts rather than about series: the Diebold–Mariano test of equal
accuracy, and the empirical coverage of prediction intervals."""

from __future__ import annotations

import numpy as np
from scipy import stats


def diebold_mariano(
    errors_a: np.ndarray, errors_b: np.ndarray, horizon: int = 1
) -> tuple[float, float]:
    """Test "A and B are equally accurate" on squared errors; return (statistic, two-sided p).

    Diebold & Mariano (1995) with the Harvey, Leybourne & Newbold (1997) small-sample
    correction: the loss differential's variance includes autocovariances up to lag h - 1,
    because h-step errors from consecutive origins overlap. A negative statistic favours A.
    """
    d = np.asarray(errors_a, float) ** 2 - np.asarray(errors_b, float) ** 2
    n = len(d)
    if n < 2 * horizon + 1:
        raise ValueError(f"the DM test needs more than {2 * horizon} loss differentials, got {n}")
    centred = d - d.mean()
    autocov = [centred[k:] @ centred[: n - k] / n for k in range(horizon)]
    variance = (autocov[0] + 2 * sum(autocov[1:])) / n
    if variance <= 0:
        raise ValueError("the loss differential has zero variance: the forecasts are identical")
    statistic = d.mean() / np.sqrt(variance)
    statistic *= np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    p_value = 2 * stats.t.sf(abs(statistic), df=n - 1)
    return float(statistic), float(p_value)


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Return the fraction of actual values inside [lower, upper]."""
    actual = np.asarray(actual, float)
    return float(np.mean((actual >= np.asarray(lower)) & (actual <= np.asarray(upper))))
