"""`python -m week22_capstone serve NAME`: start one of the capstone's apps.

`loan` and `mask` are FastAPI services run by uvicorn; `sentiment` and `forecast` are Streamlit
dashboards (run by `streamlit run` on the app's file). Each checks what it needs before it starts
(a model on disk, the API key, the database) and ends with one clear line and exit code 2 if
something is missing.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from shared.launch import serve, serve_parser
from shared.paths import week_report_dir

MODELS = week_report_dir(22) / "models"
PORTS = {"loan": 8022, "mask": 8023, "sentiment": 8501, "forecast": 8502}
DASHBOARDS = {
    "sentiment": Path(__file__).with_name("sentiment_app.py"),
    "forecast": Path(__file__).with_name("forecast_app.py"),
}


def build_parser() -> argparse.ArgumentParser:
    """The `serve` sub-command's parser."""
    parser = serve_parser(
        "python -m week22_capstone serve",
        "Serve a capstone: the loan API, the mask API, or a Streamlit dashboard.",
        PORTS,
    )
    parser.add_argument(
        "--models", type=Path, default=MODELS, help=f"model folder (default {MODELS})"
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Check and start the named app; exit 2 with one line when it cannot start."""
    return serve(build_parser().parse_args(list(argv)), PORTS, DASHBOARDS, _api)


def _api(args: argparse.Namespace):
    """The API `args.name` names, on the models in `args.models`."""
    return _loan_app(args.models) if args.name == "loan" else _mask_app(args.models)


def _loan_app(models: Path):
    """The Loan Approval API on the saved, verified and compiled model."""
    from week22_capstone.loan_model import MODEL_FILE, load_loan_model
    from week22_capstone.loan_service import create_app, settings_from_env

    settings = settings_from_env()
    return create_app(settings, load_loan_model(models / MODEL_FILE))


def _mask_app(models: Path):
    """The face-mask API on week 13's detector and classifier."""
    from week22_capstone.mask_service import create_app, settings_from_env

    return create_app(settings_from_env(), models)
