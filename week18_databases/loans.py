"""Week 7's mortgage applications as rows for the database and as request bodies for the API."""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import Engine, insert

from shared.registry import fetch
from week07_pipelines.loan import (
    LOAN_INPUT_COLUMNS,
    LOAN_SCHEMA,
    TARGET,
    read_loanapp,
)
from week18_databases.tables import Applicant


def read_loans() -> pd.DataFrame:
    """The 1,989 applications (index: the survey's row id), inputs and the `approve` label."""
    return read_loanapp(fetch("loanapp"))[[*LOAN_INPUT_COLUMNS, TARGET]]


def inputs_of(row: pd.Series) -> dict:
    """One application's inputs as JSON values: ints where the schema says int, None for gaps."""
    out = {}
    for column in LOAN_INPUT_COLUMNS:
        value = row[column]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out[column] = None
        elif LOAN_SCHEMA[column]["dtype"] == "int":
            out[column] = int(value)
        else:
            out[column] = float(value)
    return out


def request_rows(loans: pd.DataFrame) -> list[dict]:
    """[{"id": applicant id, "inputs": {...}}] for every application."""
    return [{"id": int(i), "inputs": inputs_of(row)} for i, row in loans.iterrows()]


def insert_applicants(engine: Engine, loans: pd.DataFrame) -> int:
    """Store every application in `applicants` in one transaction; return how many."""
    rows = [
        {
            "id": r["id"],
            "loanamt": r["inputs"]["loanamt"],
            "appinc": r["inputs"]["appinc"],
            "married": r["inputs"]["married"],
            "features": r["inputs"],
        }
        for r in request_rows(loans)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Applicant), rows)
    return len(rows)
