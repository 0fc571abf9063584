"""Run week 12: `python -m week12_opencv [--project NAME] [--fast] [--seed N] [--out DIR]`.

Sub-commands: `classify PHOTO...` (top-5 ImageNet classes through the OpenCV pipeline) and
`count-coins IMAGE --out FILE` (count coins on a plain background and save them outlined).
"""

import sys

from shared.cli import run_week

WEEK = 12
TITLE = "Computer vision basics with OpenCV"
PROJECTS = {
    "image_basics": "week12_opencv.projects.image_basics",
    "cnn_preprocess": "week12_opencv.projects.cnn_preprocess",
    "filters_edges": "week12_opencv.projects.filters_edges",
    "coin_count": "week12_opencv.projects.coin_count",
    "homography": "week12_opencv.projects.homography",
}
COMMANDS = {
    "classify": "week12_opencv.commands:classify",
    "count-coins": "week12_opencv.commands:count_coins",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))
