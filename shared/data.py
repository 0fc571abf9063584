"""Readers for the registry's tabular datasets: parse the file, then check its schema.

Each reader takes the path that `ctx.dataset(name)` (or `shared.registry.fetch`) returned and
gives back a typed DataFrame, or raises DataSchemaError saying what is wrong with the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

TITANIC_COLUMNS = (
    "PassengerId", "Survived", "Pclass", "Name", "Sex", "Age",
    "SibSp", "Parch", "Ticket", "Fare", "Cabin", "Embarked",
)  # fmt: skip


class DataSchemaError(ValueError):
    """A dataset file does not have the columns or rows its reader expects."""


def check_schema(df: pd.DataFrame, name: str, columns: Sequence[str], n_rows: int) -> pd.DataFrame:
    """Raise DataSchemaError unless `df` has exactly `n_rows` rows and every column in `columns`."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataSchemaError(f"{name}: missing columns {missing}; is this the right file?")
    if len(df) != n_rows:
        raise DataSchemaError(f"{name}: expected {n_rows} rows, found {len(df)}")
    return df


def read_titanic(path: Path) -> pd.DataFrame:
    """Read Kaggle's Titanic train.csv (891 passengers) with categorical Sex and Embarked."""
    df = pd.read_csv(path)
    check_schema(df, "titanic", TITANIC_COLUMNS, 891)
    return df.astype({"Sex": "category", "Embarked": "category", "Survived": "int64"})


def read_ames(path: Path) -> pd.DataFrame:
    """Read Kaggle's Ames train.csv (1460 x 81), indexed by Id; "NA" (e.g. no alley) reads as NaN."""
    df = pd.read_csv(path)
    check_schema(df, "ames_house_prices", ("Id", "SalePrice", "GrLivArea", "OverallQual"), 1460)
    if df.shape[1] != 81:
        raise DataSchemaError(f"ames_house_prices: expected 81 columns, found {df.shape[1]}")
    return df.set_index("Id")
