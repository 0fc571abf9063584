"""A capstone's `serve NAME` sub-command: one app by name, a Streamlit page or an API on uvicorn.

Weeks 22 and 23 each serve several apps, one port each. `serve_parser` parses the options they
share (the app's name, --host, --port, --log-level) and the week adds its own; `serve` then
replaces the process with `streamlit run` for a page, or builds the API and runs it on one
uvicorn worker. An API that cannot be built (a model missing, the API key unset) ends with one
`error:` line and exit code 2 before anything listens.

Like `import shared`, this module stays free of FastAPI: uvicorn is imported only to serve.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from shared.dashboards import run_streamlit

LOOPBACK = "127.0.0.1"  # as shared.api's, which no other module of shared/ may import


def serve_parser(prog: str, description: str, ports: Mapping[str, int]) -> argparse.ArgumentParser:
    """The `serve` parser: NAME (a key of `ports`), --host, --port (default: NAME's), --log-level."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("name", choices=list(ports))
    parser.add_argument("--host", default=LOOPBACK, help=f"address (default {LOOPBACK})")
    parser.add_argument("--port", type=int, default=None, help="port (default: per app)")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning"])
    return parser


def serve(
    args: argparse.Namespace,
    ports: Mapping[str, int],
    pages: Mapping[str, Path],
    build_api: Callable[[argparse.Namespace], object],
) -> int:
    """Become the page `args.name` is, or run the API `build_api(args)` makes; 2 if it cannot."""
    port = args.port or ports[args.name]
    if args.name in pages:
        run_streamlit(pages[args.name], args.host, port)
    try:
        app = build_api(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    uvicorn.run(app, host=args.host, port=port, workers=1, log_level=args.log_level)
    return 0
