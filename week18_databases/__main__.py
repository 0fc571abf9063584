"""Run week 18: `python -m week18_databases [--project NAME] [--fast]`, or `... serve`."""

import sys

from shared.cli import run_week

WEEK = 18
TITLE = "Databases: SQL, documents, a prediction service, a time-series store"
PROJECTS = {
    "sql_analytics": "week18_databases.sql_analytics",
    "indexing": "week18_databases.indexing",
    "prediction_service": "week18_databases.prediction_service",
    "documents": "week18_databases.documents",
    "time_series_store": "week18_databases.time_series_store",
}
COMMANDS = {"serve": "week18_databases.server:main"}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))
