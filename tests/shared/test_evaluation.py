"""Shared evaluation helpers: the relative error that checks from-scratch results."""

from __future__ import annotations

import numpy as np
import pytest

from shared.evaluation import relative_error


def test_relative_error_is_normwise():
    # An error of 1e-3 on a zero entry counts against the largest reference entry (10), not 0.
    assert relative_error([10.0, 1e-3], [10.0, 0.0]) == pytest.approx(1e-4)
    assert relative_error(np.eye(3), np.eye(3)) == 0.0


def test_relative_error_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros(2), np.ones(3))
