"""A capstone's `serve NAME` sub-command: one app by name, a Streamlit page or an API on uvicorn.

Weeks 22 and 23 each serve several apps, one port each. `serve_parser` parses the options they
share (the app's name, --host, --port, --log-level) and the week adds its own; `serve` then
replaces the process with `streamlit run` for a page, or builds the API and runs it on one
uvicorn worker (`run_api`, which week 18's `serve` uses too). An API that cannot be built (a
model missing, the API key unset) ends with one `error:` line and exit code 2 before anything
listens; a port that is taken, an address that is not this machine's, or a database that does
not answer raise EnvironmentProblem, which `shared.cli.run_command` turns into one line and
exit code 5.

Like `import shared`, this module stays free of FastAPI: uvicorn is imported only to serve.
"""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from shared.cli import EnvironmentProblem, port
from shared.dashboards import run_streamlit
from shared.servers import LOOPBACK

# An ASGI application (FastAPI's): called with scope, receive and send, awaited.
ASGIApp = Callable[..., Awaitable[None]]


def serve_parser(prog: str, description: str, ports: Mapping[str, int]) -> argparse.ArgumentParser:
    """The `serve` parser: NAME (a key of `ports`), --host, --port (default: NAME's), --log-level."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("name", choices=list(ports))
    parser.add_argument("--host", default=LOOPBACK, help=f"address (default {LOOPBACK})")
    parser.add_argument("--port", type=port, default=None, help="port (default: per app)")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning"])
    return parser


def serve(
    args: argparse.Namespace,
    ports: Mapping[str, int],
    pages: Mapping[str, Path],
    build_api: Callable[[argparse.Namespace], ASGIApp],
) -> int:
    """Become the page `args.name` is, or run the API `build_api(args)` makes; 2 if it cannot."""
    port_number = args.port or ports[args.name]
    if args.name in pages:
        listening_socket(args.host, port_number).close()
        run_streamlit(pages[args.name], args.host, port_number)
    try:
        app = build_api(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run_api(app, args.host, port_number, args.log_level)
    return 0


def listening_socket(host: str, port_number: int) -> socket.socket:
    """A TCP socket bound to host:port, or EnvironmentProblem saying why it cannot be had.

    Bound here, before anything is served, so a port in use or an address that is not this
    machine's is one line, not uvicorn's traceback; uvicorn then serves on this very socket.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and Tornado do
    try:
        sock.bind((host, port_number))
    except OSError as exc:
        sock.close()
        raise EnvironmentProblem(
            f"cannot listen on {host}:{port_number}: {exc.strerror or exc} "
            "(choose another --port, or stop what is using it)"
        ) from None
    return sock


def run_api(app: ASGIApp, host: str, port_number: int, log_level: str) -> None:
    """Serve `app` with one uvicorn worker on host:port until stopped.

    Raises EnvironmentProblem when the port cannot be had or the app's start-up fails.
    """
    sock = listening_socket(host, port_number)
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, workers=1, log_level=log_level))
    with sock:
        server.run(sockets=[sock])
    if not server.started:
        raise EnvironmentProblem("the service did not start: its start-up failed (see above)")


def check_database(url: str) -> None:
    """Connect to the database at `url` once; EnvironmentProblem (one line) if it does not answer.

    A service checks this before it listens, so an unreachable PostgreSQL is one line naming
    the server (its password hidden), not a traceback from inside the web server's start-up.
    """
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from shared.db import make_engine

    engine = None
    try:
        engine = make_engine(url)  # a SQLite file's folder is created here
        with engine.connect():
            pass
    except (SQLAlchemyError, OSError) as exc:
        where = make_url(url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise EnvironmentProblem(
            f"cannot reach the database {where}: {reason} (start it, or set DATABASE_URL)"
        ) from None
    finally:
        if engine is not None:
            engine.dispose()
