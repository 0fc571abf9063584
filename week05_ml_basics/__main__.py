"""Run week 5: `python -m week05_ml_basics [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 5
TITLE = "ML basics"
PROJECTS = {
    "house_prices": "week05_ml_basics.projects.house_prices",
    "titanic_classifiers": "week05_ml_basics.projects.titanic_classifiers",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
