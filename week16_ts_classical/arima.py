"""(S)ARIMA with statsmodels: order selection by AIC on a training window, and walk-forward
forecasts from a model whose parameters were estimated on that window only.

Week 17 imports these for its ARIMA baseline, so both weeks fit ARIMA the same way.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

Order = tuple[int, int, int]
SeasonalOrder = tuple[int, int, int, int]
NO_SEASON: SeasonalOrder = (0, 0, 0, 0)

# State-space models multiply many tiny matrices; a multi-threaded BLAS spends more time waking
# threads than computing (5-10x slower on a busy 2-core machine). Decorate a project's `run`.
one_blas_thread = threadpool_limits.wrap(limits=1, user_api="blas")


def fit_sarima(
    y: np.ndarray | pd.Series,
    order: Order,
    seasonal_order: SeasonalOrder = NO_SEASON,
    trend: str | None = None,
):
    """Fit SARIMA(order)(seasonal_order) by maximum likelihood; return the statsmodels result.

    The noise variance is concentrated out of the likelihood (same estimates, one parameter
    fewer for the optimiser: about 5x faster). Convergence warnings are silenced because
    `aic_table` compares many candidates and ranks a poorly converged one by its (worse)
    likelihood anyway.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    model = SARIMAX(
        y, order=order, seasonal_order=seasonal_order, trend=trend, concentrate_scale=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False, maxiter=200)


def arma_grid(max_p: int, max_q: int, max_total: int | None = None) -> list[tuple[int, int]]:
    """Return every (p, q) with p <= max_p, q <= max_q and, if given, p + q <= max_total."""
    pairs = itertools.product(range(max_p + 1), range(max_q + 1))
    return [(p, q) for p, q in pairs if max_total is None or p + q <= max_total]


def aic_table(
    y: np.ndarray | pd.Series,
    candidates: Iterable[tuple[Order, SeasonalOrder]],
    trend: str | None = None,
) -> pd.DataFrame:
    """Fit every (order, seasonal_order) on `y` and return them ranked by AIC (best first).

    Pass only the training window: choosing the order on data that includes the test period
    is look-ahead.
    """
    rows = []
    for order, seasonal in candidates:
        try:
            aic = float(fit_sarima(y, order, seasonal, trend).aic)
        except (np.linalg.LinAlgError, ValueError):
            aic = float("inf")
        rows.append({"order": tuple(order), "seasonal_order": tuple(seasonal), "aic": aic})
    table = pd.DataFrame(rows).sort_values("aic", kind="stable").reset_index(drop=True)
    if not np.isfinite(table["aic"].iloc[0]):
        raise RuntimeError("no candidate ARIMA order could be fitted; check the series")
    return table


def one_step_forecasts(result, y_full: np.ndarray, start: int) -> np.ndarray:
    """Return the one-step forecasts of positions start..n-1, each using data before it only.

    The fitted parameters are kept (`apply` re-runs the Kalman filter with them on the longer
    series), so the forecast of position t is conditioned on y[:t] and nothing later.
    """
    applied = result.apply(np.asarray(y_full))
    return np.asarray(applied.predict(start=start, end=len(y_full) - 1))


def multi_step_forecasts(
    result, y_full: np.ndarray, origins: Sequence[int], horizon: int
) -> np.ndarray:
    """Return (len(origins), horizon) forecasts, each made at an origin from the data before it.

    `dynamic=True` makes statsmodels feed its own forecasts back in from the origin onward, so
    no value at or after the origin reaches the forecast.
    """
    applied = result.apply(np.asarray(y_full))
    rows = []
    for origin in origins:
        prediction = applied.predict(start=origin, end=origin + horizon - 1, dynamic=True)
        rows.append(np.asarray(prediction))
    return np.array(rows)
