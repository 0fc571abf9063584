"""Week 4 data layer: the Ames features of the regression, and standardization without leakage."""

from __future__ import annotations

import numpy as np

from shared.data import read_ames
from shared.registry import fetch
from week04_calculus.projects.gradient_descent import FEATURES, design_matrix


def test_regression_features_are_complete_numeric_and_prices_positive() -> None:
    ames = read_ames(fetch("ames_house_prices"))
    assert ames[FEATURES].notna().all().all()
    assert all(np.issubdtype(ames[c].dtype, np.number) for c in FEATURES)
    assert (ames["SalePrice"] > 0).all()


def test_design_matrix_uses_only_the_given_statistics() -> None:
    ames = read_ames(fetch("ames_house_prices"))
    train, test = ames.iloc[:1000], ames.iloc[1000:]
    mean, std = train[FEATURES].mean(), train[FEATURES].std()
    x_train, x_test = design_matrix(train, mean, std), design_matrix(test, mean, std)
    assert x_train.shape == (1000, len(FEATURES) + 1) and (x_test[:, 0] == 1).all()
    np.testing.assert_allclose(x_train[:, 1:].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(x_train[:, 1:].std(axis=0, ddof=1), 1)
    assert np.abs(x_test[:, 1:].mean(axis=0)).max() > 1e-3
