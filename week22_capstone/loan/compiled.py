"""Week 7's loan pipeline compiled to plain NumPy arithmetic for fast single-row inference.

A fitted scikit-learn Pipeline is, at prediction time, a fixed sequence of arithmetic: fill the
gaps with the medians it learned, take logs, subtract means and divide by scales, one-hot the
grades, keep the selected features, and apply the logistic function to a weighted sum. Calling
it through scikit-learn costs milliseconds for one row (DataFrame handling, input checks, a
ColumnTransformer dispatch per step); the same arithmetic on a NumPy vector costs microseconds.
`compile_pipeline` reads the learned numbers out of the fitted steps into a `CompiledPipeline`
and refuses, naming the step, any step it does not know how to translate. Parity with the
scikit-learn pipeline is checked on every training row (`parity`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectFromModel
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from shared import tabular


class CompileError(ValueError):
    """The pipeline holds a step the compiler cannot translate; the message names it."""


@dataclass(frozen=True)
class NumericBlock:
    """Numeric inputs: fill gaps, optionally log1p (clipped at 0), then standardize."""

    columns: tuple[str, ...]
    fill: np.ndarray
    log: bool
    mean: np.ndarray
    scale: np.ndarray

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Return the block's outputs for raw values `x` (rows x columns, NaN for gaps)."""
        x = np.where(np.isnan(x), self.fill, x)
        if self.log:
            x = np.log1p(np.clip(x, 0, None))
        return (x - self.mean) / self.scale


@dataclass(frozen=True)
class OneHotBlock:
    """Category inputs: one output per learned category; an unseen category is all zeros."""

    columns: tuple[str, ...]
    positions: tuple[dict[str, int], ...]
    width: int

    def transform(self, rows: list[tuple]) -> np.ndarray:
        """Return the one-hot outputs of `rows` (one tuple of raw values per row)."""
        out = np.zeros((len(rows), self.width))
        for i, row in enumerate(rows):
            for value, positions in zip(row, self.positions, strict=True):
                position = positions.get(_as_text(value))
                if position is not None:
                    out[i, position] = 1.0
        return out


@dataclass(frozen=True)
class CompiledPipeline:
    """The loan pipeline as arrays: preprocessing blocks, selected features, logistic weights."""

    numeric: tuple[NumericBlock, ...]
    onehot: tuple[OneHotBlock, ...]
    order: tuple[int, ...]
    selected: np.ndarray
    coef: np.ndarray
    intercept: float

    def features(self, numeric: list[np.ndarray], categories: list[list[tuple]]) -> np.ndarray:
        """Assemble the ColumnTransformer's output from the blocks, in its column order."""
        parts = [b.transform(x) for b, x in zip(self.numeric, numeric, strict=True)]
        parts += [b.transform(r) for b, r in zip(self.onehot, categories, strict=True)]
        return np.hstack([parts[i] for i in self.order])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of class 1 for every row of a typed input frame (as check_rows returns)."""
        numeric = [frame[list(b.columns)].to_numpy(dtype=float) for b in self.numeric]
        categories = [list(frame[list(b.columns)].itertuples(index=False)) for b in self.onehot]
        z = self.features(numeric, categories)[:, self.selected] @ self.coef + self.intercept
        return _logistic(z)

    def probability(self, inputs: Mapping[str, object]) -> float:
        """Probability of class 1 for one row given as {column: value} (None for a gap)."""
        numeric = [
            np.array([[_as_float(inputs.get(c)) for c in b.columns]], dtype=float)
            for b in self.numeric
        ]
        categories = [[tuple(inputs.get(c) for c in b.columns)] for b in self.onehot]
        z = self.features(numeric, categories)[0, self.selected] @ self.coef + self.intercept
        return float(_logistic(z))


def _logistic(z: np.ndarray) -> np.ndarray:
    """The logistic function, as scikit-learn's binary predict_proba applies it."""
    return expit(z)


def compile_pipeline(pipeline: Pipeline) -> CompiledPipeline:
    """Translate a fitted prep -> SelectFromModel -> binary LogisticRegression pipeline."""
    steps = dict(pipeline.steps)
    prep, model = steps.get("prep"), pipeline.steps[-1][1]
    if not isinstance(prep, ColumnTransformer):
        raise CompileError(f"expected a ColumnTransformer named 'prep', got {type(prep).__name__}")
    if not isinstance(model, LogisticRegression) or len(model.classes_) != 2:
        raise CompileError(
            f"only a binary LogisticRegression can be compiled, not {type(model).__name__}; "
            "serve the scikit-learn pipeline instead"
        )
    numeric, onehot, kinds = [], [], []
    for name, transformer, columns in prep.transformers_:
        if name == "remainder":
            continue
        block = _block(name, transformer, tuple(columns))
        if isinstance(block, NumericBlock):
            kinds.append(("n", len(numeric)))
            numeric.append(block)
        else:
            kinds.append(("o", len(onehot)))
            onehot.append(block)
    order = tuple(i if kind == "n" else len(numeric) + i for kind, i in kinds)
    width = sum(len(b.columns) for b in numeric) + sum(b.width for b in onehot)
    selected = np.ones(width, dtype=bool)
    for name, step in pipeline.steps[1:-1]:
        if not isinstance(step, SelectFromModel):
            raise CompileError(f"step {name!r} ({type(step).__name__}) cannot be compiled")
        selected[selected] = step.get_support()
    return CompiledPipeline(
        tuple(numeric),
        tuple(onehot),
        order,
        selected,
        model.coef_[0].astype(float),
        float(model.intercept_[0]),
    )


def _block(name: str, transformer: object, columns: tuple[str, ...]) -> NumericBlock | OneHotBlock:
    """Translate one ColumnTransformer branch (a Pipeline of known steps) into a block."""
    steps = transformer.steps if isinstance(transformer, Pipeline) else [(name, transformer)]
    encoder = steps[-1][1]
    if isinstance(encoder, OneHotEncoder):
        return _onehot_block(name, steps, columns)
    fill = mean = None
    log = False
    for step_name, step in steps:
        if isinstance(step, SimpleImputer) and not step.add_indicator and fill is None:
            fill = step.statistics_.astype(float)
        elif _is_function(step, tabular._log1p) and not log:
            log = True
        elif isinstance(step, StandardScaler) and mean is None:
            mean, scale = step.mean_, step.scale_
        else:
            raise CompileError(f"branch {name!r}: step {step_name!r} cannot be compiled")
    n = len(columns)
    return NumericBlock(
        columns,
        np.full(n, np.nan) if fill is None else fill,
        log,
        np.zeros(n) if mean is None else np.asarray(mean, dtype=float),
        np.ones(n) if mean is None or scale is None else np.asarray(scale, dtype=float),
    )


def _onehot_block(name: str, steps: list, columns: tuple[str, ...]) -> OneHotBlock:
    """Translate text -> constant imputer -> OneHotEncoder(handle_unknown="ignore")."""
    *before, (_, encoder) = steps
    known = [_is_function(s, tabular._to_text) for _, s in before[:1]]
    known += [isinstance(s, SimpleImputer) and s.strategy == "constant" for _, s in before[1:]]
    if len(before) != 2 or not all(known):
        raise CompileError(f"branch {name!r}: expected text -> imputer -> one-hot steps")
    plain = encoder.min_frequency is None and encoder.max_categories is None
    if encoder.drop is not None or encoder.handle_unknown != "ignore" or not plain:
        raise CompileError(f"branch {name!r}: only OneHotEncoder(handle_unknown='ignore') compiles")
    positions, offset = [], 0
    for categories in encoder.categories_:
        positions.append({str(c): offset + i for i, c in enumerate(categories)})
        offset += len(categories)
    return OneHotBlock(columns, tuple(positions), offset)


def _is_function(step: object, func: object) -> bool:
    """Whether `step` is a FunctionTransformer applying `func` forwards."""
    return isinstance(step, FunctionTransformer) and step.func is func


def _as_float(value: object) -> float:
    """A raw numeric input as a float, NaN for a gap."""
    return math.nan if value is None else float(value)


def _as_text(value: object) -> str:
    """A raw category as the pipeline's text step sees it (pandas' astype(str); NaN for a gap)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    return str(value)
