"""Hyper-parameter tuning with Optuna: the LSTM of `melbourne`, tuned by parallel workers.

The same machinery as `python -m week17_ts_deep tune` (see tune.py), run small: two worker
processes (one, in-process, in a fast run) share one study in a SQLite file in the report
folder, each running its half of the trials; TPE samples window, hidden size, layers, dropout
and learning rate, and a median pruner stops unpromising trials after a few epochs. Scored on
the validation year, never the test year.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.context import RunContext
from shared.plotting import label, subplots
from shared.report import markdown_table
from week17_ts_deep import tune
from week17_ts_deep.tune import STUDY, run_study, storage, storage_url


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    trials: int
    workers: int  # worker processes sharing the study
    trial: tune.Config  # each trial's epochs and training windows


FULL = Config(trials=8, workers=2, trial=tune.FULL)
FAST = Config(trials=2, workers=1, trial=tune.FAST)


def run(ctx: RunContext) -> dict[str, float]:
    """Run a fresh study with two workers; report every trial and the best configuration."""
    import optuna

    config = FAST if ctx.fast else FULL
    url = storage_url(ctx.out)
    name = f"{STUDY}-report-seed{ctx.seed}"
    if name in optuna.get_all_study_names(storage(url)):
        optuna.delete_study(study_name=name, storage=storage(url))  # a re-run starts afresh
    study = run_study(url, name, config.trials, config.workers, ctx.seed, config.trial)
    ctx.info["storage"] = url.split("@")[-1]
    ctx.info["best_params"] = str(study.best_params)
    keys = ("window", "hidden", "layers", "dropout", "lr")
    rows = [
        [t.number, t.state.name, t.value, len(t.intermediate_values), t.user_attrs.get("worker")]
        + [t.params.get(k) for k in keys]
        for t in study.trials
    ]
    ctx.note(
        f"Study `{name}` in `{ctx.info['storage']}`, {len(study.trials)} trials from "
        f"{config.workers} worker(s) (value: best validation RMSE in deg C over days 1–7):\n\n"
        + markdown_table(["trial", "state", "value", "epochs", "worker", *keys], rows)
        + "\n\nTo tune for real: `python -m week17_ts_deep tune --workers 2 --trials 40`; "
        "with `DATABASE_URL=postgresql://...` set on several machines, each run of the same "
        "command adds its trials to the one study."
    )
    fig, ax = subplots(width=6, height=3.5)
    for trial in study.trials:
        steps = sorted(trial.intermediate_values)
        style = "--" if trial.state.name == "PRUNED" else "-"
        values = [trial.intermediate_values[s] for s in steps]
        ax.plot(steps, values, marker=".", alpha=0.8, ls=style)
    label(ax, "Validation RMSE per epoch, one line per trial", "epoch", "RMSE (deg C)")
    ctx.save_figure(fig, "trials", "Dashed: trials the median pruner stopped early")
    states = [t.state.name for t in study.trials]
    return {
        "best_val_rmse": float(study.best_value),
        "trials": float(len(states)),
        "complete": float(states.count("COMPLETE")),
        "pruned": float(states.count("PRUNED")),
    }
