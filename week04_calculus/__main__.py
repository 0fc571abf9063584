"""Run week 4: `python -m week04_calculus [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 4
TITLE = "Calculus & optimization"
PROJECTS = {
    "derivatives": "week04_calculus.projects.derivatives",
    "loss_functions": "week04_calculus.projects.loss_functions",
    "gradient_descent": "week04_calculus.projects.gradient_descent",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
