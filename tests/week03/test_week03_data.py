"""Week 3 data layer: the columns the correlation and test projects rely on."""

from __future__ import annotations

import pandas as pd
import pytest

from shared.data import read_ames, read_titanic
from shared.registry import fetch
from week03_probability.projects.correlation import AMES_NUMERIC, TITANIC_NUMERIC


@pytest.fixture(scope="module")
def titanic() -> pd.DataFrame:
    return read_titanic(fetch("titanic"))


def test_titanic_columns_for_tests_are_clean(titanic: pd.DataFrame) -> None:
    assert titanic["Survived"].isin([0, 1]).all()
    assert set(titanic["Sex"].cat.categories) == {"female", "male"}
    assert titanic["Fare"].notna().all() and (titanic["Fare"] >= 0).all()
    assert titanic["Survived"].sum() == 342
    assert len(titanic[TITANIC_NUMERIC].dropna()) == 714


def test_ames_numeric_columns_are_numeric_and_complete() -> None:
    ames = read_ames(fetch("ames_house_prices"))[AMES_NUMERIC]
    assert all(pd.api.types.is_numeric_dtype(ames[c]) for c in AMES_NUMERIC)
    assert ames.notna().all().all()
    assert (ames["SalePrice"] > 0).all()
