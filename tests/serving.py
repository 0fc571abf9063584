"""A week's `serve NAME` command run for real: its own process, on a free port, until stopped.

The browser and restart tests need the app as a user starts it, not in-process: `serve_subprocess`
runs `python -m PACKAGE serve NAME --port PORT`, waits until its health path answers 200 and
yields the base URL; afterwards the process is stopped (SIGTERM). A server that exits or never
answers fails the test with the end of its stderr. Any test can import this module
(`from serving import serve_subprocess`), as it does tests/browser.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest

from shared.api import LOOPBACK, free_port, wait_for_health
from shared.paths import REPO_ROOT

STREAMLIT_HEALTH = "/_stcore/health"
START_TIMEOUT_S = 180  # a first Streamlit start, or a model load, on a busy CI machine


@contextmanager
def serve_subprocess(
    package: str,
    name: str,
    *,
    health: str = STREAMLIT_HEALTH,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """`python -m PACKAGE serve NAME` (with `env` added) until `health` answers; its base URL."""
    port = port or free_port()
    command = [sys.executable, "-m", package, "serve", name, "--port", str(port)]
    proc = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://{LOOPBACK}:{port}"
    try:
        if not wait_for_health(url + health, START_TIMEOUT_S, proc):
            proc.kill()
            pytest.fail(
                f"`{package} serve {name}` did not start: {proc.stderr.read().decode()[-2000:]}"
            )
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
