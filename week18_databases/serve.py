"""`python -m week18_databases serve`: the service under uvicorn, and a subprocess to test it by.

`main` loads and verifies every model before uvicorn starts, so a missing or altered file ends
with one clear line and exit code 2; a port in use or a database that does not answer ends with
one line and exit code 5 (`shared.launch`). `ServerProcess` starts the same command in a child
process and waits until /health answers: the kill test sends it SIGKILL mid-burst.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from shared.api import LOOPBACK
from shared.cli import port
from shared.paths import REPO_ROOT
from week18_databases.catalog import WEEK07_MODELS


def build_parser() -> argparse.ArgumentParser:
    """The `serve` sub-command's parser."""
    parser = argparse.ArgumentParser(
        prog="python -m week18_databases serve",
        description="Serve week 7's pipelines by name, recording every prediction "
        "(DATABASE_URL, default SQLite; ML_ROADMAP_API_KEY guards writes).",
    )
    parser.add_argument("--host", default=LOOPBACK, help=f"address (default {LOOPBACK})")
    parser.add_argument("--port", type=port, default=8018, help="port (default 8018)")
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
    from week18_databases.service import Settings, create_app

    args = build_parser().parse_args(list(argv))
    try:
        settings = Settings.from_env()
        catalog = load_catalog(args.models)
    except (CatalogError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    check_database(settings.database_url)
    run_api(create_app(settings, catalog), args.host, args.port, args.log_level)
    return 0


class ServerProcess:
    """`serve` in a child process: started, waited for, and killed (SIGKILL) or stopped."""

    def __init__(self, models: Path, port: int, env: Mapping[str, str]) -> None:
        self.url = f"http://{LOOPBACK}:{port}"
        command = [sys.executable, "-m", "week18_databases", "serve", "--models", str(models)]
        # A file, not a pipe: a chatty server can never block on a full pipe nobody reads.
        fd, log = tempfile.mkstemp(prefix="week18-serve-", suffix=".log")
        self.log = Path(log)
        try:
            self.process = subprocess.Popen(
                [*command, "--port", str(port)],
                cwd=REPO_ROOT,
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=fd,
            )
        finally:
            os.close(fd)  # the child has its own copy

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Return once /health answers 200; raise with the server's stderr if it exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.stderr()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the server did not answer /health within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL: no clean-up runs, as when a machine loses power to the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stderr(self) -> str:
        """What the server has written to stderr so far."""
        return self.log.read_text(errors="replace")

    def __enter__(self) -> ServerProcess:
        try:
            self.wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.kill()
        self.log.unlink(missing_ok=True)
