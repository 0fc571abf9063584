"""Predict from a saved pipeline: `python -m week07_pipelines predict --model PATH --input rows.csv`.

The model is loaded through shared.artifacts (checksum and library versions verified first), the
rows are checked against the input schema stored in its sidecar, and every bad cell is reported
by row and column with exit code 2, never with a traceback. Good input prints CSV to stdout (or
--output): the input columns, the predicted class and, for classifiers, its probability.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from shared.artifacts import ArtifactError, load_artifact
from week07_pipelines.schema import RowError, check_rows

REBUILD_HINT = "rebuild it with `make week07` (or `python -m week07_pipelines`)"


def build_parser() -> argparse.ArgumentParser:
    """Return the `predict` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week07_pipelines predict",
        description="Predict with a pipeline saved by week 7 (e.g. reports/week07/models/titanic_pipeline.joblib).",
    )
    parser.add_argument(
        "--model", type=Path, required=True, help="saved .joblib pipeline (with its .json sidecar)"
    )
    parser.add_argument(
        "--input", type=Path, required=True, help="CSV with a header and the model's input columns"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="write predictions here instead of stdout"
    )
    return parser


def predict_frame(model: object, rows: pd.DataFrame) -> pd.DataFrame:
    """Return `rows` with a `prediction` column and, for classifiers, `probability` of class 1."""
    out = rows.copy()
    out["prediction"] = model.predict(rows)
    if hasattr(model, "predict_proba"):
        out["probability"] = model.predict_proba(rows)[:, 1].round(4)
    return out


def format_errors(errors: Sequence[RowError], limit: int = 50) -> str:
    """Return the errors one per line; rows are counted from 1 (the CSV's first data line)."""
    lines = [_describe(e) for e in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return 0 on success, 2 on a bad model file or bad input rows."""
    args = build_parser().parse_args(argv)
    try:
        model, meta = load_artifact(args.model, rebuild_hint=REBUILD_HINT)
    except ArtifactError as exc:
        return _fail(str(exc))
    try:
        raw = pd.read_csv(args.input, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.input} as CSV: {exc}")
    rows, errors = check_rows(raw, meta["feature_schema"])
    if errors:
        return _fail(
            f"{args.input}: {len(errors)} problem(s) with the input rows:\n{format_errors(errors)}"
        )
    if rows.empty:
        return _fail(f"{args.input}: no data rows to predict")
    result = predict_frame(model, rows)
    text = result.to_csv(index=False)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _describe(error: RowError) -> str:
    where = "all rows" if error.row is None else f"row {error.row + 1}"
    return f"  {where}, column {error.column!r}: {error.message}"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
