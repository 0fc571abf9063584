"""Input schemas moved to shared.schema (weeks 8, 18 and the capstones use them too).

This module re-exports them so that code and notes written against `week07_pipelines.schema`
keep working.
"""

from shared.schema import (
    DTYPES,
    FLOAT_LIMIT,
    INT_LIMIT,
    ColumnSpec,
    RowError,
    SchemaError,
    check_rows,
    column_spec,
    validate_rows,
    validate_schema,
)

__all__ = [
    "DTYPES",
    "FLOAT_LIMIT",
    "INT_LIMIT",
    "ColumnSpec",
    "RowError",
    "SchemaError",
    "check_rows",
    "column_spec",
    "validate_rows",
    "validate_schema",
]
