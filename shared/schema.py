"""Input schemas for saved models: describe each raw column, then check rows against it.

A schema is a plain JSON-able dict, stored in the model's sidecar, mapping each input column to
{"dtype": "int" | "float" | "str", "nullable": bool, and optionally "allowed": [...],
"min": x, "max": y, "description": "..."}. `column_spec` gives every numeric column a maximum
(or a list of allowed values): a model has only seen a bounded range, and numbers beyond it
(1e300, 2**63) break the arrays it computes with; schemas saved before that rule still load, and
INT_LIMIT / FLOAT_LIMIT hold for them. `check_rows` turns a DataFrame of raw values (as read from a
CSV, or from JSON records) into the typed frame the model expects, collecting one RowError per
bad cell instead of raising on the first. `validate_schema` checks a schema read back from disk.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple, cast

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    TypeAdapter,
    ValidationError,
    model_validator,
)

DTYPES = ("int", "float", "str")
# Even without a schema maximum, no cell gets past these: whole numbers must be exact in
# float64 (2**53), and other numbers must fit float32, in which tree models compare features.
INT_LIMIT = 2**53
FLOAT_LIMIT = float(np.finfo(np.float32).max)
# What a CSV cell may say for "no value".
_MISSING_TEXT = {"", "na", "nan", "null", "none"}


class SchemaError(ValueError):
    """A schema (usually read from a model's sidecar) is malformed; the message says where."""


class RowError(NamedTuple):
    """One problem in the input: `row` is the 0-based position (None: the whole column)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = "all rows" if self.row is None else f"row {self.row}"
        return f"{where}, column {self.column!r}: {self.message}"


class ColumnSpec(BaseModel):
    """One column's rules, as `column_spec` writes them and a sidecar stores them."""

    model_config = ConfigDict(extra="forbid", strict=True)

    dtype: Literal["int", "float", "str"]
    nullable: StrictBool = False
    allowed: list[int | float | str] | None = None
    min: float | None = None
    max: float | None = None
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> ColumnSpec:
        """A minimum may not exceed the maximum."""
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


_SCHEMA = TypeAdapter(dict[str, ColumnSpec])


def column_spec(
    dtype: str,
    *,
    nullable: bool = False,
    allowed: list | None = None,
    min: float | None = None,
    max: float | None = None,
    description: str = "",
) -> dict:
    """Return one column's schema entry, checked for sense (numbers need a `max` or `allowed`)."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    if dtype != "str" and max is None and allowed is None:
        raise ValueError(f"a {dtype} column needs `max` or `allowed`: models see a bounded range")
    spec: dict = {"dtype": dtype, "nullable": nullable}
    if allowed is not None:
        spec["allowed"] = list(allowed)
    if min is not None:
        spec["min"] = min
    if max is not None:
        spec["max"] = max
    if description:
        spec["description"] = description
    try:
        ColumnSpec.model_validate(spec)
    except ValidationError as exc:
        raise ValueError(_describe_validation(exc)) from None
    return spec


def validate_schema(schema: object) -> dict[str, dict]:
    """Return `schema` unchanged if it is a valid input schema, else raise SchemaError saying why."""
    try:
        _SCHEMA.validate_python(schema)
    except ValidationError as exc:
        raise SchemaError(f"malformed input schema: {_describe_validation(exc)}") from None
    return cast(dict[str, dict], schema)


def check_rows(df: pd.DataFrame, schema: dict[str, dict]) -> tuple[pd.DataFrame, list[RowError]]:
    """Return (typed frame of the schema's columns, errors); the frame is usable only if no errors."""
    errors = [RowError(None, col, "column is missing") for col in schema if col not in df.columns]
    typed = {}
    for col, spec in schema.items():
        if col not in df.columns:
            continue
        values = []
        for row, raw in enumerate(df[col].tolist()):
            value, message = _check_value(raw, spec)
            if message:
                errors.append(RowError(row, col, message))
            values.append(value)
        typed[col] = _typed_series(values, spec["dtype"], df.index)
    return pd.DataFrame(typed, index=df.index), errors


def validate_rows(df: pd.DataFrame, schema: dict[str, dict]) -> list[RowError]:
    """Return every (row, column, message) by which `df` breaks `schema`; empty when valid."""
    return check_rows(df, schema)[1]


def _check_value(raw: object, spec: dict) -> tuple[object, str | None]:
    """Convert one raw cell to its schema type; return (value, error message or None)."""
    if _is_missing(raw):
        if spec.get("nullable", False):
            return None, None
        return None, "value is missing but required"
    dtype = spec["dtype"]
    value: str | float | int | None
    if dtype == "str":
        value = str(raw).strip()
    else:
        value, message = _number(raw, dtype)
        if message:
            return None, message
    if "allowed" in spec and value not in spec["allowed"]:
        return None, f"{raw!r} is not one of {spec['allowed']}"
    if "min" in spec and value < spec["min"]:
        return None, f"{raw!r} is below the minimum {spec['min']}"
    if "max" in spec and value > spec["max"]:
        return None, f"{raw!r} is above the maximum {spec['max']}"
    return value, None


def _number(raw: object, dtype: str) -> tuple[float | int | None, str | None]:
    """Parse a numeric cell within the limits every model can take; return (value, error)."""
    if isinstance(raw, bool | np.bool_):
        return None, f"expected a number ({dtype}), got {raw!r}"
    try:
        value = float(raw) if isinstance(raw, int | float | np.number) else float(str(raw).strip())
    except (ValueError, OverflowError):
        return None, f"expected a number ({dtype}), got {raw!r}"
    if not math.isfinite(value):
        return None, f"expected a finite number, got {raw!r}"
    if dtype == "float":
        if abs(value) > FLOAT_LIMIT:
            return None, f"{raw!r} is too large for any model (limit {FLOAT_LIMIT:.3g})"
        return value, None
    if not value.is_integer():
        return None, f"expected a whole number, got {raw!r}"
    if abs(value) > INT_LIMIT:
        return None, f"{raw!r} is too large for any model (limit 2**53)"
    return int(value), None


def _is_missing(raw: object) -> bool:
    if raw is None or raw is pd.NA:
        return True
    if isinstance(raw, float | np.floating) and math.isnan(raw):
        return True
    return isinstance(raw, str) and raw.strip().lower() in _MISSING_TEXT


def _typed_series(values: list, dtype: str, index: pd.Index) -> pd.Series:
    """Build a column of the schema's type: int64 (float64 if it has gaps), float64 or str."""
    if dtype == "int" and all(v is not None for v in values):
        return pd.Series(values, index=index, dtype="int64")
    return pd.Series(values, index=index, dtype="str" if dtype == "str" else "float64")


def _describe_validation(exc: ValidationError) -> str:
    """Pydantic's errors as one line: `where: what`, separated by semicolons."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'schema'}: {e['msg']}" for e in exc.errors()
    )
