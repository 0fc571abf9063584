"""Melbourne's daily minimum temperature, ready to forecast, and the direct LSTM trained on it.

`load_melbourne` splits the series at a test year (by default the last), fits the smooth yearly
cycle and the scaler on the days before it only, and returns the scaled anomalies the networks
read; `SETUP` is the LSTM's set-up, `FULL` and `FAST` the plans `lstm_forecasts` trains it by
(as the `melbourne` lesson does) before it forecasts HORIZON days from given first days. The `melbourne` lesson backtests these;
week 17's `tune` command, week 18's time-series store and week 24's model formats reuse them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from shared.registry import fetch
from shared.timeseries import Fold, walk_forward_folds
from week17_ts_deep.forecasting import (
    Prepared,
    Setup,
    harmonic_climatology,
    predict_direct,
    prepare,
    train,
)
from week17_ts_deep.weather import read_melbourne

HORIZON, TEST_DAYS, VAL_DAYS = 7, 365, 365
SETUP = Setup(window=30, hidden=64, dropout=0.1, lr=1e-3, patience=8)


@dataclass(frozen=True)
class LstmPlan:
    """The LSTM's set-up, and how many of the latest training origins it learns from (None: all)."""

    setup: Setup
    last_origins: int | None


FULL = LstmPlan(SETUP, last_origins=None)
FAST = LstmPlan(replace(SETUP, epochs=2), last_origins=100)  # a smoke run: seconds


@dataclass
class MelbourneData:
    """The series, its yearly cycle and anomalies, the model-ready arrays and the split points."""

    series: pd.Series
    filled: list[pd.Timestamp]
    cycle: np.ndarray
    data: Prepared
    val_start: int
    test_start: int

    def fit_origins(self, window: int) -> tuple[range, range]:
        """Return training and validation origins whose targets end before the next split."""
        return (
            range(window, self.val_start - HORIZON + 1),
            range(self.val_start, self.test_start - HORIZON + 1),
        )

    def test_folds(self) -> list[Fold]:
        """Return the walk-forward folds of the test year (one per day with 7 days left)."""
        return walk_forward_folds(self.test_start + TEST_DAYS, TEST_DAYS, horizon=HORIZON)


def read_series() -> tuple[pd.Series, list[pd.Timestamp]]:
    """Return the registry's Melbourne series (gaps filled) and the days that were filled."""
    return read_melbourne(fetch("daily_min_temperatures"))


@functools.cache
def load_melbourne(test_start: int | None = None) -> MelbourneData:
    """Read the series, fit the yearly cycle and the scaler on the days before the test year.

    The test year starts at position `test_start` (a backtest window), by default the last year.
    """
    series, filled = read_series()
    test_start = len(series) - TEST_DAYS if test_start is None else test_start
    cycle = harmonic_climatology(series, test_start)
    anomalies = (series - cycle).rename("anomaly").to_frame()
    data = prepare(anomalies, "anomaly", test_start)
    return MelbourneData(series, filled, cycle, data, test_start - VAL_DAYS, test_start)


def lstm_forecasts(
    first_days: Sequence[pd.Timestamp], seed: int = 0, plan: LstmPlan = FULL, device: str = "cpu"
) -> tuple[np.ndarray, str]:
    """Forecast HORIZON days from each first forecast day with this week's direct LSTM.

    The LSTM is trained as the `melbourne` lesson trains it (on the years before the test
    year, stopped early on the year before it), so every first day must lie in the test year.
    Returns (len(first_days), HORIZON) forecasts in deg C and a version naming the set-up and a
    hash of the weights. Week 18 stores these beside the actuals.
    """
    mel = load_melbourne()
    positions = mel.series.index.get_indexer(pd.DatetimeIndex(first_days))
    if (positions < mel.test_start).any() or (positions + HORIZON > len(mel.series)).any():
        raise ValueError(
            f"first forecast days must lie in the test year "
            f"({mel.series.index[mel.test_start].date()} on) with {HORIZON} days after them"
        )
    setup = plan.setup
    train_origins, val_origins = mel.fit_origins(setup.window)
    if plan.last_origins is not None:
        train_origins = train_origins[-plan.last_origins :]
    trainer, _ = train("lstm", mel.data, HORIZON, (train_origins, val_origins), setup, seed, device)
    anomaly = predict_direct(trainer, mel.data, list(positions), setup.window, HORIZON)
    weights = b"".join(
        t.detach().cpu().numpy().tobytes() for t in trainer.model.state_dict().values()
    )
    version = f"LSTM direct w{setup.window} h{setup.hidden} seed {seed} #{hashlib.sha256(weights).hexdigest()[:12]}"
    return anomaly + mel.cycle[np.add.outer(positions, range(HORIZON))], version
