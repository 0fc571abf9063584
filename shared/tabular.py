"""Preprocessing builders for tabular data: impute, scale and encode inside one ColumnTransformer.

Everything here returns an unfitted scikit-learn transformer, so it goes inside a Pipeline and
is fitted on the training fold only: the medians, means, scales and category lists of a test
fold never reach the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

MISSING = "missing"


def numeric_pipeline(
    strategy: str = "median", scale: bool = True, indicator: bool = False, log: bool = False
) -> Pipeline:
    """Impute missing numbers (median by default), optionally log1p them, optionally standardize.

    `log` suits skewed non-negative amounts (areas, incomes, prices): it turns multiplicative
    differences into additive ones that a linear model can use.
    """
    imputer = SimpleImputer(strategy=strategy, add_indicator=indicator, keep_empty_features=True)
    steps = [("impute", imputer)]
    if log:
        steps.append(("log1p", FunctionTransformer(log1p, feature_names_out="one-to-one")))
    if scale:
        steps.append(("scale", StandardScaler()))
    return Pipeline(steps)


def onehot_pipeline(min_frequency: int | float | None = None) -> Pipeline:
    """Fill missing categories with "missing", then one-hot encode; unseen categories are all-zero."""
    encoder = OneHotEncoder(
        handle_unknown="infrequent_if_exist" if min_frequency else "ignore",
        min_frequency=min_frequency,
        sparse_output=False,
    )
    return Pipeline([("text", _as_text()), ("impute", _category_imputer()), ("encode", encoder)])


def ordinal_pipeline(categories: Sequence[Sequence[str]], scale: bool = True) -> Pipeline:
    """Encode ordered categories (worst to best) as 0, 1, 2, ...; missing or unseen becomes -1."""
    encoder = OrdinalEncoder(
        categories=[list(c) for c in categories],
        handle_unknown="use_encoded_value",
        unknown_value=-1,
    )
    steps = [("text", _as_text()), ("impute", _category_imputer()), ("encode", encoder)]
    if scale:
        steps.append(("scale", StandardScaler()))
    return Pipeline(steps)


def tabular_preprocessor(
    numeric: Sequence[str] = (),
    onehot: Sequence[str] = (),
    ordinal: Mapping[str, Sequence[str]] | None = None,
    log_numeric: Sequence[str] = (),
    *,
    scale: bool = True,
    min_frequency: int | float | None = None,
    indicator: bool = False,
) -> ColumnTransformer:
    """Return a ColumnTransformer: numeric impute(+scale), log1p numeric, one-hot and ordinal.

    `ordinal` maps a column to its categories in order, e.g. {"ExterQual": ["Po", "Fa", "TA",
    "Gd", "Ex"]}. Columns not named are dropped. Output is a dense array with readable names.
    """
    ordinal = dict(ordinal or {})
    groups = [set(numeric), set(onehot), set(ordinal), set(log_numeric)]
    overlap = {c for i, a in enumerate(groups) for b in groups[i + 1 :] for c in a & b}
    if overlap:
        raise ValueError(f"columns {sorted(overlap)} are listed under more than one encoding")
    parts = []
    if numeric:
        parts.append(("num", numeric_pipeline(scale=scale, indicator=indicator), list(numeric)))
    if log_numeric:
        parts.append(("log", numeric_pipeline(scale=scale, log=True), list(log_numeric)))
    if onehot:
        parts.append(("cat", onehot_pipeline(min_frequency), list(onehot)))
    if ordinal:
        parts.append(("ord", ordinal_pipeline(list(ordinal.values()), scale=scale), list(ordinal)))
    if not parts:
        raise ValueError("tabular_preprocessor needs at least one column to encode")
    return ColumnTransformer(
        parts, remainder="drop", sparse_threshold=0.0, verbose_feature_names_out=False
    )


def split_columns(df: pd.DataFrame, exclude: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """Return (numeric, categorical) column names of `df`, leaving out `exclude`."""
    cols = [c for c in df.columns if c not in set(exclude)]
    numeric = [
        c
        for c in cols
        if pd.api.types.is_numeric_dtype(df[c]) and not isinstance(df[c].dtype, pd.CategoricalDtype)
    ]
    return numeric, [c for c in cols if c not in numeric]


class FitRecorder(TransformerMixin, BaseEstimator):
    """A pass-through pipeline step that remembers the index of the rows it was fitted on.

    Put it first in a Pipeline, cross-validate with return_estimator=True, and compare each
    fitted copy's `fitted_index_` with that fold's test rows: a leak-free workflow never fits
    on a test row.
    """

    def fit(self, X: pd.DataFrame, y: object = None) -> FitRecorder:
        """Record X's index (X must be a DataFrame)."""
        self.fitted_index_ = pd.Index(X.index).copy()
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return X unchanged."""
        return X


def _as_text() -> FunctionTransformer:
    """Cast category columns to text, so number-coded ones (1, 2, 3) mix with the "missing" fill."""
    return FunctionTransformer(to_text, feature_names_out="one-to-one")


def to_text(X: pd.DataFrame) -> pd.DataFrame:
    """Category columns as text (pandas' astype("str")), the step week 22 converts to ONNX."""
    return pd.DataFrame(X).astype("str")


def _category_imputer() -> SimpleImputer:
    return SimpleImputer(strategy="constant", fill_value=MISSING, keep_empty_features=True)


def log1p(x: np.ndarray) -> np.ndarray:
    """log(1 + x) of non-negative amounts; negative inputs are clipped to 0 first."""
    return np.log1p(np.clip(x, 0, None))


# Models saved before these became public pickled the functions by their old private names.
_to_text = to_text
_log1p = log1p
