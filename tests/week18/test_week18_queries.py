"""Every analytical query gives pandas' answer, and an index changes the plan, on each database.

SQLite always; PostgreSQL and MariaDB when DATABASE_URL and MYSQL_URL name them.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, inspect

from week18_databases import migrate
from week18_databases.loans import read_loans
from week18_databases.projects import indexing
from week18_databases.projects.sql_analytics import populate
from week18_databases.queries import QUERIES, compare, read_tables, run_sql


@pytest.fixture
def filled(engine: Engine, catalog) -> Engine:
    """A migrated database with the run's rows: applicants, predictions, outcomes."""
    migrate.upgrade(engine)
    counts = populate(engine, catalog, read_loans())
    assert counts == {"applicants": 1989, "predictions": 1989 + 891, "outcomes": 1989}
    return engine


def test_every_query_matches_pandas(filled: Engine) -> None:
    frames = read_tables(filled)
    for query in QUERIES:
        sql = run_sql(filled, query)
        assert len(sql) > 0, query.name
        assert compare(sql, query.pandas(frames), query.key) <= 1e-9, query.name


def test_compare_notices_a_wrong_answer() -> None:
    right = pd.DataFrame({"k": ["a", "b"], "v": [1.0, 2.0]})
    assert compare(right, right.iloc[::-1], ("k",)) == 0.0
    assert compare(right, right.assign(v=[1.0, 2.5]), ("k",)) == pytest.approx(0.5)
    assert compare(right, right.assign(k=["a", "c"]), ("k",)) == float("inf")
    assert compare(right, right.iloc[:1], ("k",)) == float("inf")


def test_loan_data_sanity() -> None:
    loans = read_loans()
    assert loans.shape == (1989, 22) and loans.index.is_unique
    assert set(loans["approve"].unique()) == {0, 1}
    assert (loans[["loanamt", "appinc"]] >= 0).all().all() and loans["loanamt"].notna().all()


def test_the_index_turns_a_scan_into_an_index_search(engine: Engine) -> None:
    """The plan reads the table before CREATE INDEX and the index after (speed is a bench)."""
    try:
        result = indexing.measure(engine, rows=20_000, log=lambda _: None)
        with engine.connect() as conn:
            total = conn.exec_driver_sql("SELECT COUNT(*), MAX(id) FROM events").one()
    finally:
        indexing.drop_events(engine)
    assert tuple(total) == (20_000, 20_000)
    assert not result["used_index_before"] and result["uses_index"], result["plan_after"]
    assert "events" not in inspect(engine).get_table_names()
