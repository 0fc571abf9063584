"""Run week 6: `python -m week06_advanced_ml [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 6
TITLE = "Advanced ML"
PROJECTS = {
    "credit_approval": "week06_advanced_ml.projects.credit_approval",
    "customer_segments": "week06_advanced_ml.projects.customer_segments",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
