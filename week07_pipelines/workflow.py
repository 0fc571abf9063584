"""The workflow both week-7 pipelines share: hold out, tune the whole pipeline, save, reload, compare.

Tuning searches over every step of the Pipeline at once (preprocessing, feature selection and
model), with each candidate refitted inside each CV fold, so the hold-out rows and every fold's
validation rows stay unseen by what is fitted on the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from shared.artifacts import load_artifact, save_artifact
from shared.context import RunContext
from shared.plotting import label, subplots


@dataclass
class TunedPipeline:
    """A tuned pipeline: the search, the hold-out scores, and the final model refitted on all rows."""

    search: GridSearchCV
    final: Pipeline
    metrics: dict[str, float]


def tune_and_evaluate(
    pipeline: Pipeline,
    grid: list[dict] | dict,
    X: pd.DataFrame,
    y: pd.Series,
    *,
    seed: int,
    folds: int,
    scoring: str = "accuracy",
) -> TunedPipeline:
    """Grid-search the whole pipeline on 80% (stratified CV), score the 20% hold-out, refit on all."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    search = GridSearchCV(pipeline, grid, scoring=scoring, cv=cv, n_jobs=1, refit=True)
    search.fit(X_train, y_train)
    proba = search.predict_proba(X_test)[:, 1]
    metrics = {
        f"cv_{scoring}": float(search.best_score_),
        f"cv_{scoring}_std": float(search.cv_results_["std_test_score"][search.best_index_]),
        "holdout_accuracy": float(accuracy_score(y_test, search.predict(X_test))),
        "holdout_roc_auc": float(roc_auc_score(y_test, proba)),
        "majority_baseline": float(max(y_test.mean(), 1 - y_test.mean())),
        "candidates": float(len(search.cv_results_["params"])),
    }
    final = clone(search.best_estimator_).fit(X, y)
    return TunedPipeline(search, final, metrics)


def save_and_reload(
    model: Pipeline,
    path: Path,
    X_check: pd.DataFrame,
    *,
    metrics: dict,
    feature_schema: dict,
    extra: dict,
) -> float:
    """Save with shared.artifacts, load it back, and return the largest probability difference."""
    save_artifact(model, path, metrics=metrics, feature_schema=feature_schema, extra=extra)
    loaded, _ = load_artifact(path)
    before = model.predict_proba(X_check)
    after = loaded.predict_proba(X_check)
    return float(np.max(np.abs(before - after)))


def selected_features(pipeline: Pipeline) -> list[str]:
    """Return the names of the features the pipeline's `select` step kept."""
    names = pipeline.named_steps["prep"].get_feature_names_out()
    return list(np.asarray(names)[pipeline.named_steps["select"].get_support()])


def describe_params(params: dict) -> str:
    """Return a grid point as readable text, e.g. `model=RandomForestClassifier, select__k=8`."""
    return ", ".join(
        f"{k}={type(v).__name__ if hasattr(v, 'fit') else v}" for k, v in params.items()
    )


def plot_search(ctx: RunContext, search: GridSearchCV, dataset: str, metric: str) -> None:
    """Bar chart of the best candidates' CV scores (± std), best first."""
    results = pd.DataFrame(search.cv_results_)
    results["label"] = [describe_params(p).replace("model=", "") for p in results["params"]]
    top = results.nsmallest(12, "rank_test_score")
    fig, ax = subplots(width=9, height=0.35 * len(top) + 1.5)
    ax.barh(top["label"], top["mean_test_score"], xerr=top["std_test_score"], color="tab:blue")
    ax.invert_yaxis()
    low, high = top["mean_test_score"].min(), top["mean_test_score"].max()
    ax.set_xlim(max(0.0, low - 0.08), min(1.0, high + 0.05))
    label(ax, f"{dataset}: CV {metric} of the best pipelines", f"mean CV {metric} (± std)")
    spread = high - low
    best_std = float(top["std_test_score"].iloc[0])
    verdict = "within" if spread <= best_std else "beyond"
    ctx.save_figure(
        fig,
        "search",
        f"Best pipeline: CV {metric} {search.best_score_:.3f}; the top {len(top)} span "
        f"{spread:.3f}, {verdict} one fold-to-fold std ({best_std:.3f}).",
    )
