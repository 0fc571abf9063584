"""Seattle weather, multivariate: does knowing rain, wind and the daily minimum help?

Four years of daily weather (2012–2015). Target: tomorrow's and next week's maximum
temperature. One LSTM reads only the past maximum temperatures (as anomalies from a smooth
yearly cycle) and the clock; another also reads precipitation, the minimum temperature and
wind, and last week's rain (mean and spread of the 7 days before: window features). Both
forecast 7 days at once (direct: a recursive forecast would need forecasts of every input
too), walked forward over 2015; 2014 is the validation year, 2012–2013 the training years.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from shared.context import RunContext
from shared.forecast import mae, rmse
from shared.plotting import label, subplots
from shared.report import markdown_table
from shared.timeseries import walk_forward_folds, window_features
from week17_ts_deep.forecasting import (
    Setup,
    harmonic_climatology,
    one_torch_thread,
    predict_direct,
    prepare,
    train,
)
from week17_ts_deep.weather import read_seattle

TARGET, HORIZON, TEST_DAYS, VAL_DAYS = "temp_max", 7, 365, 365
SETUP = Setup(window=14, hidden=32, dropout=0.1, lr=3e-3, patience=10)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    epochs: int = SETUP.epochs  # most epochs of each LSTM (early stopping may end sooner)
    test_origins: int | None = None  # forecast origins of the test year scored (None: all)


FULL = Config()
FAST = Config(epochs=2, test_origins=60)


@one_torch_thread()
def run(ctx: RunContext) -> dict[str, float]:
    """Train the univariate and the multivariate LSTM; compare with persistence and the cycle."""
    config = FAST if ctx.fast else FULL
    weather = read_seattle(ctx.dataset("seattle_weather"))
    n = len(weather)
    test_start = n - TEST_DAYS
    val_start = test_start - VAL_DAYS
    setup = replace(SETUP, epochs=config.epochs)
    cycle = harmonic_climatology(weather[TARGET], test_start)
    frame = weather.assign(**{TARGET: weather[TARGET] - cycle})
    frame["precipitation"] = np.log1p(frame["precipitation"])  # tame its long right tail
    recent_rain = window_features(frame["precipitation"], [7]).add_prefix("precipitation_")
    frame = frame.join(recent_rain).fillna(0.0)  # the first week has no past week: no rain
    folds = walk_forward_folds(n, TEST_DAYS, horizon=HORIZON)
    origins = [f.origin for f in folds][: config.test_origins]
    target_days = np.add.outer(origins, range(HORIZON))
    y = weather[TARGET].to_numpy()
    actual = y[target_days]
    forecasts = {
        "persistence": np.repeat(y[np.asarray(origins) - 1, None], HORIZON, axis=1),
        "smooth yearly cycle": cycle[target_days],
    }
    fit_origins = (
        range(setup.window, val_start - HORIZON + 1),
        range(val_start, test_start - HORIZON + 1),
    )
    for name, columns in (("LSTM univariate", [TARGET]), ("LSTM multivariate", list(frame))):
        ctx.log(f"training {name}")
        data = prepare(frame[columns], TARGET, test_start)
        trainer, _ = train("lstm", data, HORIZON, fit_origins, setup, ctx.seed)
        forecasts[name] = predict_direct(trainer, data, origins, setup.window, HORIZON)
        forecasts[name] += cycle[target_days]
    rows = [
        (model, h + 1, rmse(actual[:, h], fc[:, h]), mae(actual[:, h], fc[:, h]))
        for model, fc in forecasts.items()
        for h in (0, HORIZON - 1)
    ]
    ctx.note(
        f"Maximum temperature (deg C), walk-forward over {len(origins)} origins from "
        f"{weather.index[test_start].date()}:\n\n"
        + markdown_table(["model", "days ahead", "RMSE", "MAE"], rows)
    )
    table = pd.DataFrame(rows, columns=["model", "h", "rmse", "mae"]).set_index(["model", "h"])
    fig, ax = subplots(width=6, height=3.6)
    for model, fc in forecasts.items():
        errors = [rmse(actual[:, h], fc[:, h]) for h in range(HORIZON)]
        ax.plot(range(1, HORIZON + 1), errors, marker="o", label=model)
    ax.legend(fontsize=8)
    label(ax, "Seattle max temperature: RMSE by horizon", "days ahead", "RMSE (deg C)")
    uni, multi = (
        table.loc[("LSTM univariate", 1), "rmse"],
        table.loc[("LSTM multivariate", 1), "rmse"],
    )
    verdict = "helps" if multi < uni else "does not help"
    ctx.save_figure(
        fig,
        "rmse_by_horizon",
        f"Day 1: the extra inputs {verdict} (RMSE {multi:.2f} with them, {uni:.2f} without)",
    )
    ctx.note(
        f"With only two training years, the multivariate LSTM {verdict} one day ahead. More "
        "inputs mean more weights to fit from ~700 windows; more years, or a station network, "
        "is what a multivariate model needs to pay off."
    )
    return {
        f"{m.lower().replace(' ', '_')}_h{h}_rmse": float(table.loc[(m, h), "rmse"])
        for m, h in table.index
    }
