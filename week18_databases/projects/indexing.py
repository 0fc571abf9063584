"""Indexing: the query plan and the speed of one lookup before and after an index.

A table of 1,000,000 rows (`events`: id, customer_id, amount; 20,000 rows with `--fast`) is
generated inside the database (a recursive CTE on SQLite, generate_series on PostgreSQL, a cross
join of ten digits six times on MySQL/MariaDB, which have neither a generate_series nor, on
MySQL, a recursion deep enough by default). The same lookup, "count and total of one customer's
events", runs on 30 customers before and after `CREATE INDEX ... (customer_id)`; EXPLAIN
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL, the tabular EXPLAIN on
MySQL/MariaDB, whose `key` column names the index it reads) shows the planner switch from
scanning the table to searching the index.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text

from shared.bars import Bar
from shared.context import RunContext
from shared.db import MYSQL_DIALECTS, database_url, make_engine

CUSTOMERS = 50_000  # about 20 events each at full size: a selective lookup
LOOKUPS = 30
QUERY = "SELECT COUNT(*) AS n, SUM(amount) AS total FROM events WHERE customer_id = :customer"
# The bar (full size only: 20,000 rows scan too fast for a 10x gap to be meaningful).
BARS = [
    Bar("planner_uses_index", ">=", 1, "EXPLAIN shows an index search once the index exists"),
    Bar("index_speedup", ">=", 10, "issue 13: the indexed lookup is at least 10x faster"),
]
_INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}
_DIGITS = (
    "(SELECT 0 AS d UNION ALL " + " UNION ALL ".join(f"SELECT {i}" for i in range(1, 10)) + ")"
)
_MYSQL_FILL = f"""
    INSERT INTO events
    SELECT i, (i * 7919) % :customers, (i % 1000) / 10.0
    FROM (
        SELECT 1 + {" + ".join(f"{10**k} * d{k}.d" for k in range(6))} AS i
        FROM {" CROSS JOIN ".join(f"{_DIGITS} AS d{k}" for k in range(6))}
    ) AS seq
    WHERE i <= :rows
"""
_ANALYZE = {"postgresql": "ANALYZE events", "mysql": "ANALYZE TABLE events"}


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    rows: int = 1_000_000  # rows of the events table (issue 13's size)


FULL = Config()
FAST = Config(rows=20_000)


def run(ctx: RunContext) -> dict[str, float]:
    """Generate the table, time and explain the lookup, index it, time and explain again."""
    config = FAST if ctx.fast else FULL
    rows = config.rows
    engine = make_engine(database_url(ctx.out / "indexing.sqlite3"))
    ctx.info["database"] = engine.dialect.name
    try:
        result = measure(engine, rows, ctx.log)
    finally:
        drop_events(engine)
        engine.dispose()
    ctx.note(
        f"Database: **{ctx.info['database']}**, {rows:,} rows. Median lookup "
        f"{result['before_ms']:.3f} ms before the index, {result['after_ms']:.3f} ms after "
        f"({result['speedup']:.0f}x).\n\nPlan before:\n\n```\n{result['plan_before']}\n```\n\n"
        f"Plan after:\n\n```\n{result['plan_after']}\n```"
    )
    return {
        "rows": rows,
        "lookup_ms_before": result["before_ms"],
        "lookup_ms_after": result["after_ms"],
        "index_speedup": result["speedup"],
        "planner_uses_index": float(result["uses_index"] and not result["used_index_before"]),
    }


def measure(engine: Engine, rows: int, log=print) -> dict:
    """Build `events`, then time and explain the lookup without and with the index."""
    create_events(engine, rows)
    log(f"generated {rows:,} rows")
    before_ms = time_lookups(engine)
    plan_before, used_before = explain(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX ix_events_customer ON events (customer_id)"))
        conn.execute(text(_analyze(engine)))
    after_ms = time_lookups(engine)
    plan_after, used_after = explain(engine)
    log(f"lookup {before_ms:.3f} ms -> {after_ms:.3f} ms")
    return {
        "before_ms": before_ms,
        "after_ms": after_ms,
        "speedup": before_ms / after_ms,
        "plan_before": plan_before,
        "plan_after": plan_after,
        "used_index_before": used_before,
        "uses_index": used_after,
    }


def create_events(engine: Engine, rows: int) -> None:
    """(Re)create `events` with `rows` generated rows, in one transaction."""
    if engine.dialect.name == "postgresql":
        fill = """
            INSERT INTO events
            SELECT g, (g::bigint * 7919) % :customers, (g % 1000) / 10.0
            FROM generate_series(1, :rows) AS g
        """
    elif engine.dialect.name in MYSQL_DIALECTS:
        fill = _MYSQL_FILL
    else:
        fill = """
            WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :rows)
            INSERT INTO events SELECT i, (i * 7919) % :customers, (i % 1000) / 10.0 FROM seq
        """
    drop_events(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE events (id BIGINT PRIMARY KEY, customer_id INTEGER NOT NULL, "
                "amount DOUBLE PRECISION NOT NULL)"
            )
        )
        conn.execute(text(fill), {"rows": rows, "customers": CUSTOMERS})
        if engine.dialect.name != "sqlite":
            conn.execute(text(_analyze(engine)))


def _analyze(engine: Engine) -> str:
    """The statement that refreshes the planner's statistics of `events` in this dialect."""
    name = "mysql" if engine.dialect.name in MYSQL_DIALECTS else engine.dialect.name
    return _ANALYZE.get(name, "ANALYZE")


def drop_events(engine: Engine) -> None:
    """Drop the generated table (it is scratch data, not part of the migrated schema)."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS events"))


def time_lookups(engine: Engine) -> float:
    """Median milliseconds of the lookup over LOOKUPS customers (after one warm-up)."""
    times = []
    with engine.connect() as conn:
        conn.execute(text(QUERY), {"customer": 0}).all()
        for customer in range(1, LOOKUPS + 1):
            start = time.perf_counter()
            conn.execute(text(QUERY), {"customer": customer * 997 % CUSTOMERS}).all()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def explain(engine: Engine) -> tuple[str, bool]:
    """The lookup's plan as text, and whether it reads through an index."""
    params = {"customer": 42}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            plan = conn.execute(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {QUERY}"), params).scalar()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            shown = conn.execute(text(f"EXPLAIN ANALYZE {QUERY}"), params).scalars().all()
            return "\n".join(shown), bool(_node_types(plan[0]["Plan"]) & _INDEX_NODES)
        if engine.dialect.name in MYSQL_DIALECTS:
            rows = conn.execute(text(f"EXPLAIN {QUERY}"), params).mappings().all()
            shown = [" ".join(f"{k}={v}" for k, v in row.items()) for row in rows]
            return "\n".join(shown), any(row["key"] is not None for row in rows)
        rows = conn.execute(text(f"EXPLAIN QUERY PLAN {QUERY}"), params).all()
    details = [row[-1] for row in rows]
    return "\n".join(details), any("USING" in d and "INDEX" in d for d in details)


def _node_types(node: dict) -> set[str]:
    """Every node type in a PostgreSQL JSON plan."""
    found = {node["Node Type"]}
    for child in node.get("Plans", []):
        found |= _node_types(child)
    return found
