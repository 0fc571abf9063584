"""Run week 22: `python -m week22_capstone [--project NAME] [--fast]`, `... serve NAME`, `... mask`."""

import sys

from shared.cli import run_week

WEEK = 22
TITLE = "End-to-end capstones"
PROJECTS = {
    "loan_api": "week22_capstone.projects.loan_api",
    "face_mask": "week22_capstone.projects.face_mask",
    "sentiment": "week22_capstone.projects.sentiment",
    "forecasting": "week22_capstone.projects.forecasting",
}
COMMANDS = {"serve": "week22_capstone.serve:main", "mask": "week22_capstone.mask.cli:main"}


def main(argv: list[str]) -> int:
    """Run the week's projects, or a sub-command."""
    return run_week(WEEK, TITLE, PROJECTS, argv, commands=COMMANDS)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
