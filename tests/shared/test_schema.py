"""shared.schema: typed rows and one error per bad cell; numbers past any model's range refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shared.schema import (
    INT_LIMIT,
    RowError,
    SchemaError,
    check_rows,
    column_spec,
    validate_schema,
)


def test_check_rows_types_and_reports() -> None:
    schema = {
        "n": column_spec("int", min=0, max=10),
        "x": column_spec("float", nullable=True, max=1.0),
        "s": column_spec("str", allowed=["a", "b"]),
    }
    raw = pd.DataFrame(
        {"n": ["3", "2.0", "x", True], "x": ["", "0.5", "2", "nan"], "s": ["a", "b", "c", None]}
    )
    typed, errors = check_rows(raw, schema)
    assert typed.loc[:1, "n"].tolist() == [3, 2] and np.isnan(typed.loc[0, "x"])
    assert {(e.row, e.column) for e in errors} == {(2, "n"), (3, "n"), (2, "x"), (2, "s"), (3, "s")}
    assert (
        str(RowError(None, "n", "column is missing")) == "all rows, column 'n': column is missing"
    )


def test_column_spec_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="dtype must be one of"):
        column_spec("date")
    with pytest.raises(ValueError, match="needs `max` or `allowed`"):
        column_spec("float", min=0)
    with pytest.raises(ValueError, match="above max"):
        column_spec("int", min=5, max=1)
    assert column_spec("int", allowed=[0, 1]) == {
        "dtype": "int",
        "nullable": False,
        "allowed": [0, 1],
    }


@pytest.mark.parametrize(
    ("dtype", "raw", "message"),
    [
        ("int", "1e30", "too large"),
        ("int", "9223372036854775807", "too large"),
        ("int", 2**63, "too large"),
        ("int", 10**400, "expected a number"),
        ("float", "1e300", "too large"),
        ("float", "1e400", "finite"),
        ("float", np.bool_(True), "expected a number"),
    ],
)
def test_numbers_beyond_any_models_range_are_refused_without_a_schema_maximum(
    dtype: str, raw: object, message: str
) -> None:
    """A schema saved before maxima were required still keeps 1e300 and 2**63 from the model."""
    schema = {"v": {"dtype": dtype, "nullable": False}}
    errors = check_rows(pd.DataFrame({"v": [raw, "1"]}, dtype=object), schema)[1]
    assert [(e.row, e.column) for e in errors] == [(0, "v")]
    assert message in errors[0].message


def test_whole_numbers_up_to_the_limit_stay_exact() -> None:
    schema = {"v": {"dtype": "int", "nullable": False}}
    typed, errors = check_rows(pd.DataFrame({"v": [str(INT_LIMIT), "-5"]}), schema)
    assert errors == [] and typed["v"].tolist() == [INT_LIMIT, -5]


@pytest.mark.parametrize(
    "bad",
    [
        [1, 2],
        None,
        {"x": 3},
        {"x": {"dtype": "date"}},
        {"x": {"dtype": "int", "nullable": "yes"}},
        {"x": {"dtype": "int", "max": "10"}},
        {"x": {"dtype": "int", "min": 3, "max": 1}},
        {"x": {"dtype": "str", "colour": "red"}},
    ],
)
def test_validate_schema_refuses_malformed_schemas(bad: object) -> None:
    with pytest.raises(SchemaError, match="malformed input schema"):
        validate_schema(bad)


def test_validate_schema_accepts_what_column_spec_writes() -> None:
    schema = {"a": column_spec("float", nullable=True, min=0, max=1, description="share")}
    assert validate_schema(schema) is schema
    assert validate_schema({"old": {"dtype": "int", "nullable": False, "min": 0}})
