"""Predict from a saved pipeline: `python -m week07_pipelines predict --model PATH --input rows.csv`.

The model is loaded through shared.artifacts (checksum, sidecar and library versions verified
first, then only allow-listed classes unpickled), the rows are checked against the input schema
stored in its sidecar, and every bad cell is reported by row and column with exit code 2, never
with a traceback. The CSV is read and predicted in chunks of CHUNK_ROWS, so memory stays bounded
however long the file is. Good input gives CSV on stdout (or --output, written atomically): the
input columns, the predicted class and, for classifiers, its probability. Nothing is written when
any row is bad.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from shared.artifacts import ArtifactError, load_artifact
from shared.atomic import atomic_path
from shared.cli import command_error
from shared.schema import RowError, check_rows

REBUILD_HINT = "rebuild it with `make week07` (or `python -m week07_pipelines`)"
CHUNK_ROWS = 50_000
ERROR_LIMIT = 50


class InputError(ValueError):
    """The input rows cannot be predicted; the message lists what is wrong."""


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


def format_errors(errors: Sequence[RowError], total: int | None = None) -> str:
    """Return the errors one per line; rows are counted from 1 (the CSV's first data line)."""
    lines = [_describe(e) for e in errors[:ERROR_LIMIT]]
    total = len(errors) if total is None else total
    if total > len(lines):
        lines.append(f"... and {total - len(lines)} more")
    return "\n".join(lines)


def predict_csv(model: object, schema: dict, source: Path, target: Path) -> int:
    """Check and predict `source` chunk by chunk into `target`; return the rows predicted.

    Raises InputError listing the bad cells (the first ERROR_LIMIT, with the total) when any
    row breaks the schema; `target` is then left incomplete for the caller to discard.
    """
    errors: list[RowError] = []
    total_errors = rows = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        for start, chunk in _chunks(source):
            typed, found = check_rows(chunk, schema)
            found = [_shift(e, start) for e in found if e.row is not None or start == 0]
            total_errors += len(found)
            errors.extend(found[: ERROR_LIMIT - len(errors)])
            rows += len(chunk)
            if not total_errors:
                predict_frame(model, typed).to_csv(out, index=False, header=start == 0)
    if total_errors:
        raise InputError(
            f"{source}: {total_errors} problem(s) with the input rows:\n"
            + format_errors(errors, total_errors)
        )
    if rows == 0:
        raise InputError(f"{source}: no data rows to predict")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return 0 on success, 2 on a bad model file, bad input rows or output path."""
    args = build_parser().parse_args(argv)
    if args.output is not None and not args.output.parent.is_dir():
        return command_error(f"--output {args.output}: folder {args.output.parent} does not exist")
    try:
        model, meta = load_artifact(args.model, rebuild_hint=REBUILD_HINT)
    except ArtifactError as exc:
        return command_error(str(exc))
    try:
        if args.output is None:
            with tempfile.TemporaryDirectory() as folder:
                spool = Path(folder) / "predictions.csv"
                predict_csv(model, meta["feature_schema"], args.input, spool)
                with spool.open(encoding="utf-8") as text:
                    shutil.copyfileobj(text, sys.stdout)
        else:
            with atomic_path(args.output) as tmp:
                predict_csv(model, meta["feature_schema"], args.input, tmp)
    except InputError as exc:
        return command_error(str(exc))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        return command_error(f"cannot read {args.input} as CSV: {exc}")
    except OSError as exc:
        return command_error(f"{exc.filename or args.input}: {exc.strerror or exc}")
    return 0


def _chunks(source: Path) -> Iterator[tuple[int, pd.DataFrame]]:
    """Yield (first row's position, chunk) of the CSV as text cells; one empty chunk if no rows."""
    reader = pd.read_csv(source, dtype=str, keep_default_na=False, chunksize=CHUNK_ROWS)
    start = 0
    with reader:
        for chunk in reader:
            yield start, chunk.reset_index(drop=True)
            start += len(chunk)
    if start == 0:
        yield 0, pd.read_csv(source, dtype=str, keep_default_na=False, nrows=0)


def _shift(error: RowError, start: int) -> RowError:
    """The error with its row counted from the start of the file rather than of its chunk."""
    return error if error.row is None else error._replace(row=error.row + start)


def _describe(error: RowError) -> str:
    where = "all rows" if error.row is None else f"row {error.row + 1}"
    return f"  {where}, column {error.column!r}: {error.message}"
