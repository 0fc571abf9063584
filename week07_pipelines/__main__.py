"""Run week 7: `python -m week07_pipelines [--project NAME] [--fast]`, or `... predict --model M --input CSV`."""

import sys

from shared.cli import run_week

WEEK = 7
TITLE = "ML pipelines"
PROJECTS = {
    "titanic_pipeline": "week07_pipelines.projects.titanic_pipeline",
    "loan_pipeline": "week07_pipelines.projects.loan_pipeline",
}


COMMANDS = {"predict": "week07_pipelines.predict:main"}


def main(argv: list[str]) -> int:
    """Run the week's projects, or the `predict` sub-command."""
    return run_week(WEEK, TITLE, PROJECTS, argv, commands=COMMANDS)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
