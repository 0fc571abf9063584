"""Week 7's Titanic pipeline: the input schema, the pipeline, its search space and its training.

Raw passenger columns go in; the pipeline itself engineers the family features
(shared.preprocessing.TitanicFeatures), imputes, scales and one-hot encodes (shared.tabular),
keeps the k most informative features (SelectKBest) and classifies. `train_and_save` tunes every
step together under stratified CV and saves the winner with shared.artifacts: the titanic
project runs it, week 8 serves what it saves, week 24 converts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from shared.data import read_titanic
from shared.preprocessing import TitanicFeatures
from shared.registry import fetch
from shared.schema import RowError, column_spec
from shared.schema import validate_rows as check_schema_rows
from shared.tabular import tabular_preprocessor
from week07_pipelines.workflow import (
    TunedPipeline,
    describe_params,
    save_and_reload,
    tune_and_evaluate,
)

TITANIC_INPUT_COLUMNS = ("Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked")
MODEL_FILENAME = "titanic_pipeline.joblib"
TARGET = "Survived"
# The maxima are the API's (week 8) and lie above every value in the data (fare 512, 8 siblings).
TITANIC_SCHEMA = {
    "Pclass": column_spec("int", allowed=[1, 2, 3], description="ticket class (1 = first)"),
    "Sex": column_spec("str", allowed=["male", "female"], description="passenger sex"),
    "Age": column_spec("float", nullable=True, min=0, max=120, description="age in years"),
    "SibSp": column_spec("int", min=0, max=10, description="siblings and spouses aboard"),
    "Parch": column_spec("int", min=0, max=10, description="parents and children aboard"),
    "Fare": column_spec(
        "float", nullable=True, min=0, max=1000, description="ticket price in pounds"
    ),
    "Embarked": column_spec(
        "str",
        nullable=True,
        allowed=["C", "Q", "S"],
        description="port: Cherbourg, Queenstown, Southampton",
    ),
}


@dataclass(frozen=True)
class TuningConfig:
    """How much tuning a training run does: FULL for the report and the served model, FAST for smoke runs."""

    passengers: int | None = None  # a stratified sample of this many passengers; None: all 891
    # 100 trees, not 200: CV accuracy moves by less than one fold-to-fold std (0.820 vs 0.827),
    # and week 8 serves this model, where each tree costs ~30 µs of every request's latency.
    trees: int = 100
    folds: int = 5
    full_grid: bool = True  # False: a single forest setting, enough to exercise the search


FULL = TuningConfig()
FAST = TuningConfig(passengers=300, trees=30, folds=3, full_grid=False)

_NUMERIC = ["Pclass", "Age", "SibSp", "Parch", "Fare", "FamilySize", "IsAlone"]
_ONEHOT = ["Sex", "Embarked"]


def validate_rows(df: pd.DataFrame) -> list[RowError]:
    """Return every (row, column, message) by which raw passenger rows break the input schema."""
    return check_schema_rows(df, TITANIC_SCHEMA)


def build_pipeline(seed: int = 0) -> Pipeline:
    """Return the unfitted pipeline: features -> impute/scale/encode -> SelectKBest -> classifier."""
    return Pipeline(
        [
            ("features", TitanicFeatures()),
            ("prep", tabular_preprocessor(_NUMERIC, _ONEHOT, indicator=True)),
            ("select", SelectKBest(f_classif, k="all")),
            ("model", RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1)),
        ]
    )


def param_grid(seed: int, config: TuningConfig) -> list[dict]:
    """Return the search space over selection, model family and model settings."""
    forest = RandomForestClassifier(n_estimators=config.trees, random_state=seed, n_jobs=1)
    if not config.full_grid:
        return [{"select__k": ["all"], "model": [forest], "model__max_depth": [6]}]
    return [
        {
            "select__k": [6, 10, "all"],
            "model": [LogisticRegression(max_iter=1000)],
            "model__C": [0.1, 1.0, 10.0],
        },
        {
            "select__k": [6, 10, "all"],
            "model": [forest],
            "model__max_depth": [4, 6, 8],
            "model__min_samples_leaf": [1, 3],
        },
    ]


def load_xy(path: Path, passengers: int | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Return the raw input columns and the survival label (a stratified sample if `passengers`)."""
    df = read_titanic(path)
    if passengers is not None:
        df = df.groupby(TARGET, group_keys=False).sample(frac=passengers / len(df), random_state=0)
    return df[list(TITANIC_INPUT_COLUMNS)], df[TARGET]


def train_and_save(models_dir: Path, seed: int = 0, fast: bool = False) -> Path:
    """Train the tuned Titanic pipeline on the registry's titanic and save it; return its path."""
    return train_tuned(fetch("titanic"), Path(models_dir), seed, fast)[0]


def train_tuned(
    path: Path, models_dir: Path, seed: int, fast: bool, log: Callable[[str], None] = print
) -> tuple[Path, TunedPipeline, float]:
    """Load, tune over the whole pipeline, save with its schema, and check the reload.

    Returns the saved model's path, the tuning result and the reloaded predictions' largest
    difference from the fitted pipeline's.
    """
    config = FAST if fast else FULL
    X, y = load_xy(path, config.passengers)
    log(f"tuning on {len(X)} passengers")
    tuned = tune_and_evaluate(
        build_pipeline(seed), param_grid(seed, config), X, y, seed=seed, folds=config.folds
    )
    out = models_dir / MODEL_FILENAME
    extra = {
        "target": TARGET,
        "classes": {"0": "died", "1": "survived"},
        "best_params": describe_params(tuned.search.best_params_),
        "fast": fast,
    }
    diff = save_and_reload(
        tuned.final, out, X, metrics=tuned.metrics, feature_schema=TITANIC_SCHEMA, extra=extra
    )
    return out, tuned, diff
