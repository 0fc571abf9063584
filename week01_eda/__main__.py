"""Run week 1: `python -m week01_eda [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 1
TITLE = "Python & data foundations"
PROJECTS = {"titanic_eda": "week01_eda.projects.titanic_eda"}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
