"""shared.tabular: the builders impute, scale and encode, and learn only from what they are fitted on."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from shared import tabular
from shared.artifacts import load_artifact, save_artifact
from shared.tabular import FitRecorder, split_columns, tabular_preprocessor


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "size": [1.0, 2.0, np.nan, 4.0],
            "color": ["red", None, "blue", "red"],
            "quality": ["Po", "Gd", "TA", None],
        }
    )


def test_numeric_is_median_imputed_and_standardized() -> None:
    out = tabular_preprocessor(numeric=["size"]).fit_transform(_frame())
    filled = np.array([1.0, 2.0, 2.0, 4.0])
    np.testing.assert_allclose(out[:, 0], (filled - filled.mean()) / filled.std())


def test_onehot_gives_missing_its_own_column_and_ignores_unseen() -> None:
    prep = tabular_preprocessor(onehot=["color"]).fit(_frame())
    assert list(prep.get_feature_names_out()) == ["color_blue", "color_missing", "color_red"]
    unseen = prep.transform(pd.DataFrame({"color": ["green"]}))
    np.testing.assert_array_equal(unseen, [[0, 0, 0]])


def test_ordinal_follows_the_given_order_and_marks_missing() -> None:
    prep = tabular_preprocessor(ordinal={"quality": ["Po", "Fa", "TA", "Gd", "Ex"]}, scale=False)
    np.testing.assert_array_equal(prep.fit_transform(_frame())[:, 0], [0, 3, 2, -1])


def test_statistics_come_from_the_fitted_rows_only() -> None:
    train, test = _frame().iloc[:2], pd.DataFrame({"size": [np.nan, 100.0]})
    prep = tabular_preprocessor(numeric=["size"], scale=False).fit(train)
    np.testing.assert_array_equal(prep.transform(test)[:, 0], [1.5, 100.0])


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="more than one"):
        tabular_preprocessor(numeric=["a"], onehot=["a"])
    with pytest.raises(ValueError, match="at least one"):
        tabular_preprocessor()


def test_split_columns() -> None:
    df = _frame().assign(flag=pd.Categorical([1, 0, 1, 0]), y=1)
    assert split_columns(df, exclude=["y"]) == (["size"], ["color", "quality", "flag"])


def test_a_column_empty_in_the_fitted_rows_keeps_its_place() -> None:
    train = pd.DataFrame({"size": [np.nan, np.nan], "quality": [None, None]})
    prep = tabular_preprocessor(["size"], ordinal={"quality": ["Po", "Ex"]}, scale=False).fit(train)
    np.testing.assert_array_equal(
        prep.transform(pd.DataFrame({"size": [3.0], "quality": ["Ex"]})), [[3.0, 1.0]]
    )


def test_log_numeric_takes_log1p_after_imputing() -> None:
    prep = tabular_preprocessor(log_numeric=["size"], scale=False).fit(_frame())
    np.testing.assert_allclose(prep.transform(_frame())[:, 0], np.log1p([1.0, 2.0, 2.0, 4.0]))
    assert list(prep.get_feature_names_out()) == ["size"]


def test_saved_models_name_the_public_functions_and_the_old_names_still_load(tmp_path) -> None:
    prep = tabular_preprocessor(onehot=["color"], log_numeric=["size"]).fit(_frame())
    path = save_artifact(prep, tmp_path / "prep.joblib", metrics={}, feature_schema={})
    loaded, _ = load_artifact(path)
    np.testing.assert_array_equal(loaded.transform(_frame()), prep.transform(_frame()))
    assert b"log1p" in path.read_bytes() and b"_log1p" not in path.read_bytes()
    # A model saved before the rename names the private functions; they resolve to the same ones.
    assert pickle.loads(b"cshared.tabular\n_log1p\n.") is tabular.log1p
    assert pickle.loads(b"cshared.tabular\n_to_text\n.") is tabular.to_text


def test_fit_recorder_remembers_the_fitted_index() -> None:
    df = _frame()
    recorder = FitRecorder().fit(df.iloc[[0, 2]])
    assert list(recorder.fitted_index_) == [0, 2]
    assert recorder.transform(df) is df
