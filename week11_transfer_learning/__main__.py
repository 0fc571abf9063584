"""Run week 11: `python -m week11_transfer_learning [--project NAME] [--fast] [--seed N] [--out DIR]`."""

from shared.cli import run_week

WEEK = 11
TITLE = "Advanced CNNs and pretrained models"
PROJECTS = {
    "zero_shot": "week11_transfer_learning.projects.zero_shot",
    "transfer": "week11_transfer_learning.projects.transfer",
    "inside_the_cnn": "week11_transfer_learning.projects.inside_the_cnn",
    "zoo": "week11_transfer_learning.projects.zoo",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS))
