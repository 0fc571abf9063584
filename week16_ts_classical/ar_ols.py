"""AR(p) by ordinary least squares, written out: the regression behind an autoregression.

y_t = c + phi_1 y_{t-1} + ... + phi_p y_{t-p} + e_t. Stack one row [1, y_{t-1}, ..., y_{t-p}]
per t >= p and solve the least-squares problem; that is exactly what statsmodels' AutoReg does
(conditional MLE = OLS), so the two must agree to rounding.
"""

from __future__ import annotations

import numpy as np


def lag_matrix(y: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (X, target): X rows [1, y_{t-1}, ..., y_{t-p}] for t = p..n-1, target y_t."""
    y = np.asarray(y, dtype=float)
    if p < 1:
        raise ValueError(f"AR order p must be >= 1, not {p}")
    if len(y) <= 2 * p:
        raise ValueError(f"an AR({p}) needs more than {2 * p} observations, got {len(y)}")
    lags = [y[p - k : len(y) - k] for k in range(1, p + 1)]
    return np.column_stack([np.ones(len(y) - p), *lags]), y[p:]


def fit_ar(y: np.ndarray, p: int) -> np.ndarray:
    """Return [c, phi_1, ..., phi_p] minimising the squared one-step errors (OLS)."""
    x, target = lag_matrix(y, p)
    params, *_ = np.linalg.lstsq(x, target, rcond=None)
    return params


def forecast_ar(params: np.ndarray, history: np.ndarray, horizon: int) -> np.ndarray:
    """Iterate the fitted recursion `horizon` steps past the end of `history`."""
    p = len(params) - 1
    window = list(np.asarray(history, dtype=float)[-p:])
    out = []
    for _ in range(horizon):
        nxt = params[0] + np.dot(params[1:], window[::-1][:p])
        out.append(nxt)
        window.append(nxt)
    return np.array(out)
