"""Run week 2: `python -m week02_linalg [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 2
TITLE = "Linear algebra"
PROJECTS = {
    "linalg_check": "week02_linalg.projects.linalg_check",
    "tensors": "week02_linalg.projects.tensors",
    "transforms_2d": "week02_linalg.projects.transforms_2d",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
