"""Run week 7: `python -m week07_pipelines [--project NAME] [--fast]`, or `... predict --model M --input CSV`."""

import sys

from shared.cli import run_week

WEEK = 7
TITLE = "ML pipelines"
PROJECTS = {
    "titanic_pipeline": "week07_pipelines.titanic_pipeline",
    "loan_pipeline": "week07_pipelines.loan_pipeline",
}


def main(argv: list[str]) -> int:
    """Dispatch `predict` to its own parser; everything else is the shared week front door."""
    if argv[:1] == ["predict"]:
        from week07_pipelines.predict import main as predict

        return predict(argv[1:])
    return run_week(WEEK, TITLE, PROJECTS, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
