"""Input schemas for saved pipelines: describe each raw column, then check rows against it.

A schema is a plain JSON-able dict, stored in the model's sidecar, mapping each input column to
{"dtype": "int" | "float" | "str", "nullable": bool, and optionally "allowed": [...],
"min": x, "max": y, "description": "..."}. `check_rows` turns a DataFrame of raw values (as read
from a CSV, or from JSON records) into the typed frame the pipeline expects, collecting one
RowError per bad cell instead of raising on the first.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

DTYPES = ("int", "float", "str")
# What a CSV cell may say for "no value".
_MISSING_TEXT = {"", "na", "nan", "null", "none"}


class RowError(NamedTuple):
    """One problem in the input: `row` is the 0-based position (None: the whole column)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = "all rows" if self.row is None else f"row {self.row}"
        return f"{where}, column {self.column!r}: {self.message}"


def column_spec(
    dtype: str,
    *,
    nullable: bool = False,
    allowed: list | None = None,
    min: float | None = None,
    max: float | None = None,
    description: str = "",
) -> dict:
    """Return one column's schema entry (checked for sense)."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    spec: dict = {"dtype": dtype, "nullable": nullable}
    if allowed is not None:
        spec["allowed"] = list(allowed)
    if min is not None:
        spec["min"] = min
    if max is not None:
        spec["max"] = max
    if description:
        spec["description"] = description
    return spec


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
        return (None, None) if spec["nullable"] else (None, "value is missing but required")
    dtype = spec["dtype"]
    if dtype == "str":
        value = str(raw).strip()
    elif isinstance(raw, bool):
        return None, f"expected a number ({dtype}), got {raw!r}"
    else:
        try:
            value = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
        except ValueError:
            return None, f"expected a number ({dtype}), got {raw!r}"
        if not math.isfinite(value):
            return None, f"expected a finite number, got {raw!r}"
        if dtype == "int":
            if not value.is_integer():
                return None, f"expected a whole number, got {raw!r}"
            value = int(value)
    if "allowed" in spec and value not in spec["allowed"]:
        return None, f"{raw!r} is not one of {spec['allowed']}"
    if "min" in spec and value < spec["min"]:
        return None, f"{raw!r} is below the minimum {spec['min']}"
    if "max" in spec and value > spec["max"]:
        return None, f"{raw!r} is above the maximum {spec['max']}"
    return value, None


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
