"""Running the API with uvicorn: `python -m week08_fastapi serve`.

`serve_main` is the `serve` sub-command (what `make serve` runs): it verifies the model before
uvicorn starts, so a missing or altered artifact ends with one clear line and exit code 2, not a
traceback. The scripted client session serves the same app in a thread (`shared.api`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import uvicorn

from shared.api import API_KEY_ENV, LOOPBACK
from shared.apps import app
from week08_fastapi.app import create_app
from week08_fastapi.served_model import ModelUnavailableError, load_served_model
from week08_fastapi.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    """Return the `serve` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week08_fastapi serve",
        description="Serve the week 7 Titanic pipeline over HTTP (configuration: see week08_fastapi/README.md).",
    )
    parser.add_argument(
        "--host", default=LOOPBACK, help=f"address to listen on (default {LOOPBACK})"
    )
    default = app("titanic-api").port
    parser.add_argument("--port", type=int, default=default, help=f"port (default {default})")
    parser.add_argument(
        "--model", type=Path, default=None, help="model artifact (default ML_ROADMAP_MODEL_PATH)"
    )
    parser.add_argument(
        "--build-model", action="store_true", help="train the model first if it is missing"
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    return parser


def serve_main(argv: Sequence[str]) -> int:
    """Verify the model, then serve until interrupted; exit code 2 when it cannot start."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.model is not None:
            settings = replace(settings, model_path=args.model)
        model = load_served_model(
            settings.model_path, build=args.build_model or settings.build_model
        )
    except (ModelUnavailableError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if settings.generated_key:
        print(f"{API_KEY_ENV} is not set; this run's key is {settings.api_key}", file=sys.stderr)
    app = create_app(replace(settings, generated_key=False), model)
    uvicorn.run(app, host=args.host, port=args.port, workers=1, log_level=args.log_level)
    return 0
