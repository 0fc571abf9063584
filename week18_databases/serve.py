"""`python -m week18_databases serve`: the service under uvicorn, and a subprocess to test it by.

`main` loads and verifies every model before uvicorn starts, so a missing or altered file ends
with one clear line and exit code 2; a port in use or a database that does not answer ends with
one line and exit code 5 (`shared.launch`). `ServerProcess` starts the same command in a child
process (`shared.servers`) and waits until /health answers: the kill test sends it SIGKILL
mid-burst.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared import servers
from shared.apps import app
from shared.cli import port
from shared.servers import LOOPBACK
from week18_databases.catalog import WEEK07_MODELS


def build_parser() -> argparse.ArgumentParser:
    """The `serve` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week18_databases serve",
        description="Serve week 7's pipelines by name, recording every prediction "
        "(DATABASE_URL, default SQLite; ML_ROADMAP_API_KEY guards writes).",
    )
    parser.add_argument("--host", default=LOOPBACK, help=f"address (default {LOOPBACK})")
    default = app("loan-service").port
    parser.add_argument("--port", type=port, default=default, help=f"port (default {default})")
    parser.add_argument(
        "--models", type=Path, default=WEEK07_MODELS, help=f"model folder (default {WEEK07_MODELS})"
    )
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning"])
    return parser


def main(argv: Sequence[str]) -> int:
    """Verify the models, settings and database, then serve until interrupted.

    Exit 2 for a bad option, model or setting; EnvironmentProblem (exit 5, through
    `shared.cli.run_command`) for a database that does not answer or a port that is taken.
    """
    from shared.launch import check_database, run_api
    from week18_databases.catalog import CatalogError, load_catalog
    from week18_databases.service import create_app, settings_from_env

    args = build_parser().parse_args(list(argv))
    try:
        settings = settings_from_env()
        catalog = load_catalog(args.models)
    except (CatalogError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    check_database(settings.database_url)
    run_api(create_app(settings, catalog), args.host, args.port, args.log_level)
    return 0


class ServerProcess(servers.ServerProcess):
    """`serve` on `port` in a child process with `env` added: the kill test SIGKILLs it."""

    def __init__(self, models: Path, port: int, env: Mapping[str, str]) -> None:
        command = [sys.executable, "-m", "week18_databases", "serve", "--models", str(models)]
        super().__init__([*command, "--port", str(port)], f"http://{LOOPBACK}:{port}", env=env)
