"""Run week 24: `python -m week24_deploy [--project NAME] [--fast]`, or a sub-command.

Sub-commands: `portfolio [--out DIR]` (build the portfolio site from every week's README and
report), `serve hub [--port N]` (the Streamlit page that links every app of the course) and
`export-mask [--models DIR]` (week 13's mask classifier as ONNX, for week 22's torch-free API)
and `export-sentiment [--transformer DIR] [--out DIR]` (week 15's fine-tuned MiniLM as ONNX, for
the sentiment dashboard's transformer column without torch).
"""

import sys

from shared.cli import run_week

WEEK = 24
TITLE = "Deployment and the portfolio"
PROJECTS = {
    "model_formats": "week24_deploy.projects.model_formats",
    "portfolio": "week24_deploy.projects.portfolio",
}
COMMANDS = {
    "portfolio": "week24_deploy.portfolio:main",
    "serve": "week24_deploy.serve:main",
    "export-mask": "week22_capstone.mask.export:main",
    "export-sentiment": "week22_capstone.sentiment.export:main",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))
