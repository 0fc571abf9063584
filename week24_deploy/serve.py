"""`python -m week24_deploy serve hub [--port N]`: the Streamlit page linking every app."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from shared.apps import app
from shared.cli import port
from shared.dashboards import run_streamlit
from shared.launch import listening_socket
from shared.servers import LOOPBACK

HUB = Path(__file__).with_name("hub_app.py")
HUB_PORT = app("hub").port


def main(argv: list[str]) -> NoReturn:
    """Parse `serve hub` and replace this process with Streamlit, in the foreground."""
    parser = argparse.ArgumentParser(
        prog="python -m week24_deploy serve",
        description="Serve the hub: a Streamlit page that links every app of the course.",
    )
    parser.add_argument("name", choices=["hub"])
    parser.add_argument("--host", default=LOOPBACK, help=f"address (default {LOOPBACK})")
    parser.add_argument("--port", type=port, default=HUB_PORT, help=f"port (default {HUB_PORT})")
    args = parser.parse_args(argv)
    listening_socket(args.host, args.port).close()  # a port in use: one line, exit 5
    run_streamlit(HUB, args.host, args.port)
