"""From a daily frame to trained recurrent forecasters and their walk-forward forecasts.

The frame's target column comes first, then any other measured columns, then the day-of-year
clock (sine, cosine). Measured columns are standardised with statistics of the training window
only (`TrainScaler`, which refuses a forecast origin inside the window it was fitted on). A
sample at origin t reads days [t - window, t) and forecasts days [t, t + horizon).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from shared.timeseries import TrainScaler, calendar_features, sequence_windows
from shared.training import EarlyStopping, Trainer
from week17_ts_deep.models import RecurrentForecaster


@dataclass(frozen=True)
class Setup:
    """Hyper-parameters of one recurrent forecaster and its training."""

    window: int = 30
    hidden: int = 64
    layers: int = 1
    dropout: float = 0.1
    lr: float = 3e-3
    epochs: int = 40
    batch_size: int = 64
    patience: int = 6


@dataclass
class Prepared:
    """Model-ready arrays of one series: scaled features, scaled target, and how to undo it."""

    features: np.ndarray
    target: np.ndarray
    scaler: TrainScaler
    index: pd.DatetimeIndex
    n_measured: int

    def windows(self, origins, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (X, Y) for the given origins (see shared.timeseries.sequence_windows)."""
        return sequence_windows(self.features, self.target, window, horizon, origins)

    def to_units(self, scaled: np.ndarray) -> np.ndarray:
        """Map scaled target values back to the target's units."""
        return self.scaler.inverse(scaled, column=0)


def prepare(frame: pd.DataFrame, target: str, fit_end: int) -> Prepared:
    """Scale `frame` (target first) with statistics of rows [0, fit_end) and add the clock."""
    measured = frame[[target, *(c for c in frame.columns if c != target)]]
    scaler = TrainScaler().fit(measured.iloc[:fit_end])
    scaler.check_origin(frame.index[fit_end])
    scaled = scaler.transform(measured.to_numpy(dtype=float))
    clock = calendar_features(frame.index).to_numpy()
    features = np.hstack([scaled, clock]).astype(np.float32)
    return Prepared(features, scaled[:, 0], scaler, frame.index, measured.shape[1])


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run PyTorch on one CPU thread meanwhile: small recurrent nets run faster than on two."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def loader(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int | None = None) -> DataLoader:
    """Wrap (X, Y) in a DataLoader; shuffled with its own seeded generator when `seed` is given."""
    data = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    if seed is None:
        return DataLoader(data, batch_size=1024)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(data, batch_size=batch_size, shuffle=True, generator=generator)


def build_trainer(
    cell: str,
    data: Prepared,
    horizon: int,
    setup: Setup,
    device: str,
    stop_early: bool = True,
    progress: bool = False,
) -> Trainer:
    """Return a Trainer around a fresh recurrent forecaster (MSE loss, Adam)."""
    model = RecurrentForecaster(
        cell, data.features.shape[1], horizon, setup.hidden, setup.layers, setup.dropout
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=setup.lr)
    stopper = EarlyStopping("val_loss", patience=setup.patience) if stop_early else None
    return Trainer(
        model,
        optimizer,
        nn.MSELoss(),
        device=device,
        metrics={},
        early_stopping=stopper,
        grad_clip=1.0,
        progress=progress,
        desc=f"{cell} h={horizon}",
    )


def train(
    cell: str,
    data: Prepared,
    horizon: int,
    origins: tuple[range, range],
    setup: Setup,
    seed: int,
    device: str = "cpu",
) -> tuple[Trainer, float]:
    """Train on the training origins, stop early on the validation ones; return (trainer, s)."""
    torch.manual_seed(seed)
    train_origins, val_origins = origins
    trainer = build_trainer(cell, data, horizon, setup, device, progress=True)
    start = time.perf_counter()
    trainer.fit(
        loader(*data.windows(train_origins, setup.window, horizon), setup.batch_size, seed),
        loader(*data.windows(val_origins, setup.window, horizon), setup.batch_size),
        epochs=setup.epochs,
    )
    return trainer, time.perf_counter() - start


def predict_direct(trainer: Trainer, data: Prepared, origins, window: int, horizon: int):
    """Return (len(origins), horizon) forecasts in the target's units, all days at once."""
    x, _ = data.windows(origins, window, horizon)
    trainer.model.eval()
    with torch.inference_mode():
        scaled = trainer.model(torch.from_numpy(x).to(trainer.device)).cpu().numpy()
    return data.to_units(scaled)


def predict_recursive(trainer: Trainer, data: Prepared, origins, window: int, horizon: int):
    """Return (len(origins), horizon) forecasts from a one-day model fed its own forecasts.

    Only a univariate series can be iterated this way: the next input row needs every measured
    column, and the model forecasts the target alone. The clock of each future day is known.
    """
    if data.n_measured != 1:
        raise ValueError("recursive forecasts need a univariate series (plus the clock)")
    x, _ = data.windows(origins, window, 1)
    x = torch.from_numpy(x).to(trainer.device)
    clock = torch.from_numpy(data.features[:, 1:]).to(trainer.device)
    steps = []
    trainer.model.eval()
    with torch.inference_mode():
        for step in range(horizon):
            nxt = trainer.model(x)
            steps.append(nxt[:, 0])
            row = torch.cat([nxt, clock[np.asarray(origins) + step]], dim=1)
            x = torch.cat([x[:, 1:], row[:, None, :]], dim=1)
    return data.to_units(torch.stack(steps, dim=1).cpu().numpy())


def harmonic_climatology(series: pd.Series, fit_end: int, harmonics: int = 3) -> np.ndarray:
    """Return a smooth yearly cycle for every day: a Fourier regression on rows [0, fit_end)."""
    angle = 2 * np.pi * (series.index.day_of_year.to_numpy() - 1) / 365.25
    terms = [np.ones(len(series))]
    for k in range(1, harmonics + 1):
        terms += [np.sin(k * angle), np.cos(k * angle)]
    design = np.column_stack(terms)
    beta, *_ = np.linalg.lstsq(design[:fit_end], series.to_numpy()[:fit_end], rcond=None)
    return design @ beta


def day_of_year_climatology(series: pd.Series, fit_end: int) -> np.ndarray:
    """Return, for every day, the mean of the same calendar day over rows [0, fit_end)."""
    keys = series.index.strftime("%m-%d")
    means = series.iloc[:fit_end].groupby(keys[:fit_end]).mean()
    return np.asarray(pd.Series(keys).map(means).to_numpy(), dtype=float)
