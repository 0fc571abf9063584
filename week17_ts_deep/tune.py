"""`python -m week17_ts_deep tune --workers N`: tune the LSTM with Optuna, on shared storage.

The study lives in a relational database: a SQLite file in the report folder by default, or
the database named by DATABASE_URL (PostgreSQL), so the same command on several machines joins
one study. N worker processes each run their share of `--trials` (the shares add up exactly),
sampling window, hidden size, layers, dropout and learning rate with TPE; a median pruner stops
a trial whose validation RMSE after an epoch is worse than the median of earlier trials then.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from shared.db import database_url, parse_url
from shared.paths import week_report_dir
from week17_ts_deep.forecasting import Setup, build_trainer, loader
from week17_ts_deep.melbourne_lstm import HORIZON, load_melbourne

WEEK = 17
STUDY = "week17-melbourne-lstm"


@dataclass(frozen=True)
class Config:
    """Each trial's sizes: FULL for a real study, FAST for a smoke run (seconds)."""

    epochs: int = 12
    train_origins: int | None = None  # the latest training windows (None: all)


FULL = Config()
FAST = Config(epochs=2, train_origins=300)


def storage_url(out: Path) -> str:
    """Return DATABASE_URL when set (PostgreSQL via psycopg 3), else a SQLite file in `out`."""
    url = parse_url(database_url((Path(out) / "optuna.db").resolve()))
    return url.render_as_string(hide_password=False)


def storage(url: str):
    """Return Optuna's RDB storage; SQLite waits up to a minute for another worker's lock."""
    import optuna

    kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def objective(trial, config: Config) -> float:
    """Train one LSTM configuration; return its best validation RMSE (deg C, all 7 days)."""
    import optuna

    series = load_melbourne()
    setup = Setup(
        window=trial.suggest_categorical("window", [14, 30, 60]),
        hidden=trial.suggest_categorical("hidden", [16, 32, 64, 128]),
        layers=trial.suggest_int("layers", 1, 2),
        dropout=trial.suggest_float("dropout", 0.0, 0.5),
        lr=trial.suggest_float("lr", 1e-4, 1e-2, log=True),
        epochs=config.epochs,
    )
    train_origins, val_origins = series.fit_origins(setup.window)
    if config.train_origins is not None:
        train_origins = train_origins[-config.train_origins :]
    data = series.data
    trainer = build_trainer("lstm", data, HORIZON, setup, "cpu", stop_early=False)
    train_loader = loader(*data.windows(train_origins, setup.window, HORIZON), 64, trial.number)
    val_loader = loader(*data.windows(val_origins, setup.window, HORIZON), 64)
    best = math.inf
    for epoch in range(1, setup.epochs + 1):
        trainer.fit(train_loader, val_loader, epochs=epoch)
        val_rmse = math.sqrt(trainer.history[-1]["val_loss"]) * float(data.scaler.std[0])
        best = min(best, val_rmse)
        trial.report(val_rmse, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return best


def work(url: str, study_name: str, n_trials: int, seed: int, config: Config) -> None:
    """One worker process: join the study and run `n_trials` trials of it."""
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(
        study_name=study_name,
        storage=storage(url),
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=4),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=2),
    )
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def tagged(trial) -> float:
        trial.set_user_attr("worker", worker)
        return objective(trial, config)

    study.optimize(tagged, n_trials=n_trials)


def shares(trials: int, workers: int) -> list[int]:
    """Split `trials` over `workers` as evenly as possible; the shares sum to `trials`."""
    return [trials // workers + (i < trials % workers) for i in range(workers)]


def run_study(url: str, study_name: str, trials: int, workers: int, seed: int, config: Config):
    """Create (or join) the study, run the workers to completion, return the loaded study."""
    import optuna

    # Another machine may create the same study between our check and our insert.
    with contextlib.suppress(optuna.exceptions.DuplicatedStudyError):
        optuna.create_study(
            study_name=study_name, storage=storage(url), direction="minimize", load_if_exists=True
        )
    if workers == 1:  # no process to spawn: run in this one
        work(url, study_name, trials, seed * 1000, config)
        return optuna.load_study(study_name=study_name, storage=storage(url))
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=work, args=(url, study_name, share, seed * 1000 + i, config))
        for i, share in enumerate(shares(trials, workers))
        if share
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} tuning worker(s) failed (exit codes {failed})")
    return optuna.load_study(study_name=study_name, storage=storage(url))


def build_parser() -> argparse.ArgumentParser:
    """Return the `tune` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week17_ts_deep tune",
        description="Tune the Melbourne LSTM with Optuna on a shared database (SQLite by "
        "default, DATABASE_URL when set); run it on several machines to share one study.",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--trials", type=int, default=20, help="trials this command runs")
    parser.add_argument("--study", default=STUDY, help=f"study name (default {STUDY})")
    parser.add_argument("--fast", action="store_true", help="smoke size: tiny trials, seconds")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=None, help="folder of the SQLite file")
    return parser


def main(argv: list[str]) -> int:
    """Run the `tune` sub-command; print the study's best trial."""
    args = build_parser().parse_args(argv)
    if args.workers < 1 or args.trials < 1:
        print("error: --workers and --trials must be >= 1", file=sys.stderr)
        return 2
    out = args.out or week_report_dir(WEEK, args.fast)
    out.mkdir(parents=True, exist_ok=True)
    url = storage_url(out)
    config = FAST if args.fast else FULL
    study = run_study(url, args.study, args.trials, args.workers, args.seed, config)
    states = [t.state.name for t in study.trials]
    counts = {s: states.count(s) for s in sorted(set(states))}
    print(f"study {args.study!r} at {url.split('@')[-1]}: {len(states)} trials {counts}")
    print(f"best validation RMSE {study.best_value:.3f} deg C with {study.best_params}")
    return 0
