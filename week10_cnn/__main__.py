"""Run week 10: `python -m week10_cnn [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 10
TITLE = "CNN basics"
PROJECTS = {
    "conv_from_scratch": "week10_cnn.projects.conv_from_scratch",
    "image_classifier": "week10_cnn.projects.image_classifier",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
