"""Run week 8: `python -m week08_fastapi [--project NAME] [--fast]`, or `... serve [--port N]`."""

import sys

from shared.cli import run_week

WEEK = 8
TITLE = "Model serving with FastAPI"
PROJECTS = {"api_session": "week08_fastapi.projects.api_session"}


COMMANDS = {"serve": "week08_fastapi.server:serve_main"}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))
