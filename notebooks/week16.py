# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Week 16 — Classical time series: MSFT stock forecast
#
# Does ARIMA forecast Microsoft's daily closing price better than the random walk ("tomorrow's
# price is today's")? This notebook walks through the `stock_forecast` project at its FAST size
# with a **rolling-origin backtest**: consecutive test windows at the end of the series; for each,
# the ARIMA order is chosen by AIC on the trading days *before* it, frozen, and forecasts are made
# walk-forward, 1 and 20 trading days ahead, from the prices before each day only.
#
# Every step calls the week's own modules (`week16_ts_classical`, `shared`); nothing is copied.

# %%
import numpy as np
import pandas as pd

from shared.forecast import compare_to_baselines
from shared.registry import fetch
from shared.timeseries import rolling_origin_windows
from week16_ts_classical.forecast_tests import diebold_mariano
from week16_ts_classical.projects.stock_forecast import (
    BASELINES,
    FAST,
    HORIZON,
    backtest_window,
    dm_verdict,
    plot_last_window,
    rms,
)
from week16_ts_classical.series import read_msft

# %matplotlib inline

# %% [markdown]
# ## 1. The data
# `msft_daily` comes from the registry (the `pmdarima` wheel, sha256-checked) and is read into a
# checked series: sorted dates, no duplicates, numeric. We model the **log** price, so an error of
# 0.01 is about 1% of the price.

# %%
prices = read_msft(fetch("msft_daily"))["Close"]
log_price = np.log(prices.to_numpy())
print(f"{len(prices)} trading days, {prices.index[0].date()} to {prices.index[-1].date()}")
print(FAST)
ax = prices.plot(logy=True, title="MSFT close (log scale)", figsize=(7, 3))
# %% [markdown]
# ## 2. The backtest windows
# `rolling_origin_windows` lays out consecutive test windows ending at the last day (the same
# stretches as scikit-learn's `TimeSeriesSplit`), each with at least `arima.train_days` before it.

# %%
windows = rolling_origin_windows(
    len(log_price), FAST.test_days, FAST.windows, min_fit=FAST.arima.train_days
)
for w in windows:
    days = prices.index[w.test]
    print(f"window {w.number}: {days[0].date()} – {days[-1].date()}")

# %% [markdown]
# ## 3. Fit and forecast each window
# `backtest_window` chooses ARIMA(p, 1, q) by AIC on the training days only, freezes it, and
# returns the forecast errors of ARIMA, the random walk and the random walk with drift.

# %%
results = [backtest_window(log_price, w, FAST) for w in windows]
models = ("ARIMA", *BASELINES)
table = pd.DataFrame(
    {
        f"window {w.number} {r.order}": {
            **{f"{m} 1d": rms(r.one_step[m]) for m in models},
            **{f"{m} {HORIZON}d": rms(r.multi_step[m]) for m in models},
        }
        for w, r in zip(windows, results, strict=True)
    }
).T
table.round(4)

# %% [markdown]
# ## 4. Against the strongest baseline, and is the difference more than noise?
# `compare_to_baselines` divides ARIMA's mean RMSE over the windows by the strongest baseline's
# (below 1 = ARIMA better) and reports the worst window; the Diebold–Mariano test pools the
# errors of all windows and asks whether ARIMA and the random walk differ in accuracy.

# %%
for steps, attr in (("1-day", "one_step"), (f"{HORIZON}-day", "multi_step")):
    errors = {m: [rms(getattr(r, attr)[m]) for r in results] for m in models}
    versus = compare_to_baselines(errors, "ARIMA", BASELINES)
    pooled = [np.concatenate([getattr(r, attr)[m] for r in results]) for m in models[:2]]
    horizon = 1 if attr == "one_step" else HORIZON
    statistic, p_value = diebold_mariano(*pooled, horizon=horizon)
    print(
        f"{steps}: ARIMA / {versus.baseline} = {versus.mean_ratio:.4f} "
        f"(worst window {versus.worst_ratio:.4f}). {dm_verdict(statistic, p_value, steps)}"
    )

# %% [markdown]
# ## 5. What the forecasts look like
# In the last test window, ARIMA's 1-day forecast is yesterday's price shifted by a day: the
# random walk in disguise. Daily returns are almost uncorrelated (the weak-form efficient-market
# hypothesis), so this project declares **no quality bar**: a band around the random walk cannot
# fail a model that is the random walk. A model that beats it by a wide margin is more likely
# leaking the future than finding an edge.

# %%
fig = plot_last_window(prices, windows[-1], results[-1])
