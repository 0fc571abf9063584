"""A week's `serve NAME` command run for real: its own process, on a free port, until stopped.

The browser and restart tests need the app as a user starts it, not in-process: `serve_subprocess`
runs `python -m PACKAGE serve NAME --port PORT` through `shared.servers`, waits until its health
path (the app's in shared/apps.py) answers 200 and yields the base URL; afterwards the
process is stopped (SIGTERM). A server that exits or never answers fails the test with the end of
its output. Any test can import this module (`from serving import serve_subprocess`), as it does
tests/browser.py.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest

from shared.apps import APPS
from shared.servers import LOOPBACK, ServerNotReady, ServerProcess, free_port

START_TIMEOUT_S = 180  # a first Streamlit start, or a model load, on a busy CI machine


@contextmanager
def serve_subprocess(
    package: str,
    name: str,
    *,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """`python -m PACKAGE serve NAME` (with `env` added) until its health answers; its base URL."""
    listed = {(a.package, a.serve_name): a.health for a in APPS}
    if (package, name) not in listed:
        raise ValueError(f"shared/apps.py lists no `{package} serve {name}`")
    port = port or free_port()
    command = [sys.executable, "-m", package, "serve", name, "--port", str(port)]
    server = ServerProcess(
        command, f"http://{LOOPBACK}:{port}", listed[(package, name)], env, timeout=START_TIMEOUT_S
    )
    try:
        with server:
            yield server.url
    except ServerNotReady as exc:
        pytest.fail(f"`{package} serve {name}` did not start: {exc}")
