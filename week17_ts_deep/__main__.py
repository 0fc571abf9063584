"""Run week 17: `python -m week17_ts_deep [--project NAME] [--fast]`, or `... tune --workers N`."""

import sys

from shared.cli import run_week

WEEK = 17
TITLE = "Deep time-series forecasting"
PROJECTS = {
    "melbourne": "week17_ts_deep.projects.melbourne",
    "seattle": "week17_ts_deep.projects.seattle",
    "tuning": "week17_ts_deep.projects.tuning",
}
COMMANDS = {"tune": "week17_ts_deep.tune:main"}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))
