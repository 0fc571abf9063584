"""Run week 8: `python -m week08_fastapi [--project NAME] [--fast]`, or `... serve [--port N]`."""

import sys

from shared.cli import run_week

WEEK = 8
TITLE = "Model serving with FastAPI"
PROJECTS = {"api_session": "week08_fastapi.api_session"}


def main(argv: list[str]) -> int:
    """Dispatch `serve` to its own parser; everything else is the shared week front door."""
    if argv[:1] == ["serve"]:
        from week08_fastapi.server import serve_main

        return serve_main(argv[1:])
    return run_week(WEEK, TITLE, PROJECTS, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
