"""Run week 18: `python -m week18_databases [--project NAME] [--fast]`, or `... serve`."""

import sys

from shared.cli import run_week

WEEK = 18
TITLE = "Databases: SQL, documents, a prediction service, a time-series store"
PROJECTS = {
    "sql_analytics": "week18_databases.projects.sql_analytics",
    "indexing": "week18_databases.projects.indexing",
    "prediction_service": "week18_databases.projects.prediction_service",
    "documents": "week18_databases.projects.documents",
    "time_series_store": "week18_databases.projects.time_series_store",
}
COMMANDS = {"serve": "week18_databases.serve:main"}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))
