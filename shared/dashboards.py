"""Starting a Streamlit dashboard from a week's `serve` command, the same way everywhere.

`run_streamlit` replaces the calling process with `streamlit run` (exec) instead of starting a
child: a stop signal then reaches Streamlit itself, and no server outlives its command holding
the port. The root of the repository goes on PYTHONPATH so the page can import the weeks.
Streamlit itself is imported only by the page, never here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

REPO_ROOT = Path(__file__).resolve().parent.parent


def streamlit_command(page: Path, host: str, port: int) -> list[str]:
    """The `streamlit run` command line for `page`: headless, no usage statistics."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(page),
        "--server.headless=true",
        f"--server.address={host}",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
    ]


def run_streamlit(page: Path, host: str, port: int) -> NoReturn:
    """Become `streamlit run PAGE` on host:port, in the foreground, until stopped."""
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    os.execve(
        sys.executable, streamlit_command(page, host, port), {**os.environ, "PYTHONPATH": path}
    )
