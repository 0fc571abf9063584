"""Run week 16: `python -m week16_ts_classical [--project NAME] [--fast] [--seed N] [--out DIR]`."""

import sys

from shared.cli import run_week

WEEK = 16
TITLE = "Classical time-series forecasting"
PROJECTS = {
    "decomposition": "week16_ts_classical.projects.decomposition",
    "ar_models": "week16_ts_classical.projects.ar_models",
    "stock_forecast": "week16_ts_classical.projects.stock_forecast",
    "sales_forecast": "week16_ts_classical.projects.sales_forecast",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:]))
