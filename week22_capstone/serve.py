"""`python -m week22_capstone serve NAME`: start one of the capstone's apps.

`loan` and `mask` are FastAPI services run by uvicorn; `sentiment` and `forecast` are Streamlit
dashboards (run by `streamlit run` on the app's file). Each checks what it needs before it starts
(a model on disk, the API key, the database, or for a dashboard its model folder or forecast
database) and ends with one clear line naming the command that makes what is missing, and exit
code 2, if something is.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from shared.apps import ports
from shared.cli import command_error
from shared.launch import serve, serve_parser
from shared.paths import week_report_dir
from week22_capstone import forecast, sentiment
from week22_capstone.mask.cli import BACKENDS, WEEK13_MODELS
from week22_capstone.mask.onnx_runtime import EXPORT_COMMAND, ONNX_FILE

MODELS = week_report_dir(22) / "models"
PORTS = ports("week22_capstone")
DASHBOARDS = {
    "sentiment": sentiment.PAGE,
    "forecast": forecast.PAGE,
}
FORECASTING = "python -m week22_capstone --project forecasting"
SENTIMENT = "python -m week22_capstone --project sentiment"


def build_parser() -> argparse.ArgumentParser:
    """The `serve` sub-command's parser."""
    parser = serve_parser(
        "python -m week22_capstone serve",
        "Serve a capstone: the loan API, the mask API, or a Streamlit dashboard.",
        PORTS,
    )
    parser.add_argument(
        "--models",
        type=Path,
        default=None,
        help=f"the app's model folder (default: {MODELS}; the sentiment dashboard's "
        f"$WEEK22_MODELS if set; the mask API's {WEEK13_MODELS}, week 13's fine-tuned classifier)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help=f"the mask API's classifier runtime: onnx (no torch) or torch; default onnx once "
        f"--models holds {ONNX_FILE} (`{EXPORT_COMMAND}`), else torch",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Check and start the named app; exit 2 with one line when it cannot start."""
    args = build_parser().parse_args(list(argv))
    missing = missing_for(args)
    if missing:
        return command_error(missing)
    return serve(args, PORTS, DASHBOARDS, _api)


def missing_for(args: argparse.Namespace) -> str | None:
    """What a dashboard needs and lacks, with the command that makes it; None when all is there."""
    if args.name == "forecast":
        return _missing_forecasts()
    if args.name == "sentiment":
        return _missing_sentiment_model(args)
    return None


def _missing_forecasts() -> str | None:
    """The forecast database, when it is a SQLite file that does not exist."""
    from sqlalchemy import make_url

    from week22_capstone.forecast.store import DB_ENV, forecast_db_url

    url = make_url(forecast_db_url())
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database)
    if path.is_file():
        return None
    where = "its folder does not exist" if not path.parent.is_dir() else "no such file"
    return (
        f"no forecast database at {path} ({where}): run `{FORECASTING}` to fill it, "
        f"or point ${DB_ENV} (or DATABASE_URL) at the database it filled"
    )


def _missing_sentiment_model(args: argparse.Namespace) -> str | None:
    """The TF-IDF model the sentiment dashboard loads; --models is handed to the page."""
    from week22_capstone.sentiment.models import MODELS_ENV, TFIDF_FILE, models_dir

    if args.models is not None:
        os.environ[MODELS_ENV] = str(args.models)
    folder = models_dir()
    if (folder / TFIDF_FILE).is_file():
        return None
    return (
        f"no sentiment model ({TFIDF_FILE}) in {folder}: run `{SENTIMENT}` to make it, "
        f"or point --models (or ${MODELS_ENV}) at the folder it made"
    )


def _api(args: argparse.Namespace):
    """The API `args.name` names, on its model folder."""
    if args.name == "loan":
        return _loan_app(args.models or MODELS)
    return _mask_app(args.models or WEEK13_MODELS, args.backend)


def _loan_app(models: Path):
    """The Loan Approval API on the saved, verified and compiled model."""
    from week22_capstone.loan.model import MODEL_FILE, load_loan_model
    from week22_capstone.loan.service import create_app, settings_from_env

    settings = settings_from_env()
    return create_app(settings, load_loan_model(models / MODEL_FILE))


def _mask_app(models: Path, backend: str | None):
    """The face-mask API: week 13's detector and classifier, on ONNX Runtime or PyTorch."""
    from week22_capstone.mask.service import create_app, settings_from_env

    return create_app(settings_from_env(), models, backend=backend)
