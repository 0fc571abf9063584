"""Benchmark week 18's index: one lookup on a 1,000,000-row table before and after CREATE INDEX.

Runs `week18_databases.projects.indexing.measure` on SQLite (a temporary file) and, when DATABASE_URL
names PostgreSQL, on that server too. Target (issue 13): the planner switches to the index and
the lookup gets at least 10x faster. Results go to reports/bench.json under "week18_index".
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from shared.bench import record
from shared.db import make_engine
from week18_databases.projects.indexing import FULL, drop_events, measure

SPEEDUP_TARGET = 10.0


def bench(url: str) -> dict:
    """Median lookup ms before/after the index, the speed-up, and whether the plan changed."""
    engine = make_engine(url)
    try:
        result = measure(engine, FULL.rows)
    finally:
        drop_events(engine)
        engine.dispose()
    return {
        "rows": FULL.rows,
        "lookup_ms_before": round(result["before_ms"], 4),
        "lookup_ms_after": round(result["after_ms"], 4),
        "speedup": round(result["speedup"], 1),
        "planner_switched_to_index": result["uses_index"] and not result["used_index_before"],
        "plan_after": result["plan_after"].splitlines()[0],
    }


def main() -> int:
    """Measure on SQLite (and PostgreSQL if configured); exit 1 if a target is missed."""
    with tempfile.TemporaryDirectory() as folder:
        results = {"sqlite": bench(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        results["postgresql"] = bench(url)
    results["target_speedup"] = SPEEDUP_TARGET
    print(f"recorded in {record('week18_index', results)}")
    ok = True
    for name in ("sqlite", "postgresql"):
        if name in results:
            r = results[name]
            print(
                f"{name}: {r['lookup_ms_before']} ms -> {r['lookup_ms_after']} ms "
                f"({r['speedup']}x), index used: {r['planner_switched_to_index']}"
            )
            ok &= r["speedup"] >= SPEEDUP_TARGET and r["planner_switched_to_index"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
