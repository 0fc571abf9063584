"""Mortgage approval as one saved pipeline.

1,989 Boston mortgage applications from the 1990 HMDA follow-up survey (Wooldridge's `loanapp`,
from Munnell et al. 1996): will the application be approved? One Pipeline holds everything:
a ColumnTransformer (median imputation and scaling, log of money amounts, one-hot of the
credit-history grades), feature selection by an L1-penalized logistic regression
(SelectFromModel), and the classifier. A grid search tunes the selection strength, the model
family and its settings together under stratified 5-fold CV (ROC-AUC: 88% of applications are
approved, so accuracy would flatter a model that approves everyone). Race and sex are left out
of the inputs. The winner is saved with shared.artifacts and reloaded to check it predicts
identically. The schema, reader and pipeline live in loan.py (weeks 18 and 22 reuse them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from shared.bars import Bar
from shared.context import RunContext
from week07_pipelines.loan import (
    LOAN_INPUT_COLUMNS,
    LOAN_SCHEMA,
    MODEL_FILENAME,
    TARGET,
    build_pipeline,
    read_loanapp,
)
from week07_pipelines.workflow import (
    describe_params,
    plot_search,
    save_and_reload,
    selected_features,
    tune_and_evaluate,
)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    sample_frac: float | None = None  # a stratified sample of this share of the loans; None: all
    trees: int = 300
    folds: int = 5
    full_grid: bool = True  # False: a single logistic setting, enough to exercise the search


FULL = Config()
FAST = Config(sample_frac=0.4, trees=40, folds=3, full_grid=False)

# Hosmer & Lemeshow, Applied Logistic Regression (2nd ed., 2000, §5.2.4): ROC-AUC 0.7-0.8 is
# "acceptable" and 0.8-0.9 "excellent" discrimination.
BARS = [
    Bar(
        "cv_roc_auc",
        ">=",
        0.75,
        "Hosmer & Lemeshow (2000): AUC 0.7-0.8 acceptable, 0.8-0.9 excellent",
    ),
    Bar("reload_max_abs_diff", "<=", 0.0, "a reloaded joblib pipeline must predict identically"),
]


def param_grid(seed: int, config: Config) -> list[dict]:
    """Return the search space over L1 selection strength, model family and its settings."""
    forest = RandomForestClassifier(
        n_estimators=config.trees, min_samples_leaf=3, random_state=seed, n_jobs=1
    )
    if not config.full_grid:
        return [{"select__estimator__C": [0.1], "model": [LogisticRegression(max_iter=2000)]}]
    return [
        {
            "select__estimator__C": [0.02, 0.1, 1.0],
            "model": [LogisticRegression(max_iter=2000)],
            "model__C": [0.1, 1.0, 10.0],
        },
        {"select__estimator__C": [0.1, 1.0], "model": [forest], "model__max_depth": [4, 8, None]},
    ]


def run(ctx: RunContext) -> dict[str, float]:
    """Tune, evaluate, save and reload the loan pipeline; plot the search and the kept features."""
    config = FAST if ctx.fast else FULL
    df = read_loanapp(ctx.dataset("loanapp"))
    if config.sample_frac is not None:
        df = df.groupby(TARGET, group_keys=False).sample(frac=config.sample_frac, random_state=0)
    X, y = df[list(LOAN_INPUT_COLUMNS)], df[TARGET]
    ctx.log(f"tuning on {len(X)} applications")
    tuned = tune_and_evaluate(
        build_pipeline(ctx.seed),
        param_grid(ctx.seed, config),
        X,
        y,
        seed=ctx.seed,
        folds=config.folds,
        scoring="roc_auc",
    )
    path = ctx.models_dir / MODEL_FILENAME
    extra = {
        "target": TARGET,
        "classes": {"0": "denied", "1": "approved"},
        "best_params": describe_params(tuned.search.best_params_),
        "fast": ctx.fast,
    }
    diff = save_and_reload(
        tuned.final, path, X, metrics=tuned.metrics, feature_schema=LOAN_SCHEMA, extra=extra
    )
    kept = selected_features(tuned.final)
    ctx.note(
        f"Grid search over {int(tuned.metrics['candidates'])} pipelines. Best: "
        f"{describe_params(tuned.search.best_params_)}. The L1 selector kept {len(kept)} of "
        f"{len(tuned.final.named_steps['prep'].get_feature_names_out())} features: {', '.join(kept)}. "
        f"Saved to `models/{path.name}`; reloaded predictions differ by {diff:g}. Predict with "
        f"`python -m week07_pipelines predict --model reports/week07/models/{path.name} --input rows.csv`."
    )
    plot_search(ctx, tuned.search, "Loan approval", "ROC-AUC")
    approve_rate = float(np.mean(tuned.final.predict(X)))
    return {
        **tuned.metrics,
        "reload_max_abs_diff": diff,
        "features_kept": len(kept),
        "predicted_approval_rate": approve_rate,
    }
