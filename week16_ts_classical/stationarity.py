"""Is a series stationary? ADF and KPSS, the two tests ARIMA's differencing choice rests on.

ADF's null is a unit root (small p: stationary), KPSS's is stationarity (small p: not), so the
two together tell "stationary", "needs differencing" and "cannot tell" apart. The
`decomposition` lesson reports them stage by stage; `sales_forecast` chooses SARIMA's
differencing by KPSS.
"""

from __future__ import annotations

import warnings

import pandas as pd


def stationarity_tests(series: pd.Series) -> dict[str, float]:
    """Return ADF and KPSS p-values (KPSS p is reported only within its table, 0.01..0.10)."""
    from statsmodels.tsa.stattools import adfuller, kpss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KPSS warns when p lies outside its lookup table
        kpss_p = kpss(series, regression="c", nlags="auto")[1]
    return {
        "adf_p": float(adfuller(series, autolag="AIC", result_object=False)[1]),
        "kpss_p": float(kpss_p),
    }
