"""Titanic feature engineering and the missing-value report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shared.data import DataSchemaError, check_schema
from shared.preprocessing import (
    TitanicFeatures,
    add_titanic_features,
    age_band,
    extract_title,
    missing_report,
)


def test_extract_title_folds_rare_honorifics():
    names = pd.Series(
        [
            "Braund, Mr. Owen Harris",
            "Rothes, the Countess. of (Lucy)",
            "Oliva y Ocana, Dona. Fermina",
            "Moubarek, Master. Gerios",
            "Reynaldo, Ms. Encarnacion",
        ]
    )
    assert extract_title(names).tolist() == ["Mr", "Rare", "Rare", "Master", "Miss"]


def test_titanic_features_are_row_wise():
    df = pd.DataFrame({"Name": ["A, Mrs. B"], "SibSp": [1], "Parch": [2], "Cabin": [np.nan]})
    out = TitanicFeatures().fit_transform(df)
    assert out.loc[0, ["Title", "FamilySize", "IsAlone", "HasCabin"]].tolist() == ["Mrs", 4, 0, 0]
    assert "Title" not in df  # the input is not modified
    assert add_titanic_features(df.drop(columns=["Name", "Cabin"])).columns.tolist() == [
        "SibSp",
        "Parch",
        "FamilySize",
        "IsAlone",
    ]


def test_age_band_edges():
    bands = age_band(pd.Series([0.4, 12, 12.5, 80, np.nan]))
    assert bands[:4].tolist() == ["child 0-12", "child 0-12", "teen 13-18", "61+"]
    assert pd.isna(bands[4])


def test_missing_report_sorts_worst_first():
    df = pd.DataFrame({"a": [1, None, None, 4], "b": [None, 2, 3, 4], "c": [1, 2, 3, 4]})
    report = missing_report(df)
    assert report.index.tolist() == ["a", "b"] and report["percent"].tolist() == [50.0, 25.0]


def test_check_schema_names_the_problem():
    df = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(DataSchemaError, match=r"missing columns \['b'\]"):
        check_schema(df, "toy", ["a", "b"], 2)
    with pytest.raises(DataSchemaError, match="expected 3 rows, found 2"):
        check_schema(df, "toy", ["a"], 3)
