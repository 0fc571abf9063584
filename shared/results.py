"""`make results`: rewrite README.md's results table from the full runs' reports/weekNN/metrics.json."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from shared.atomic import write_text_atomic
from shared.paths import REPO_ROOT, REPORTS_DIR
from shared.report import markdown_table

START, END = "<!-- results:start -->", "<!-- results:end -->"


def results_rows(reports: Path = REPORTS_DIR) -> list[tuple]:
    """One row per project of every week that has a metrics.json, in week order."""
    rows = []
    for path in sorted(reports.glob("week[0-9][0-9]/metrics.json")):
        doc = json.loads(path.read_text())
        for name, project in doc["projects"].items():
            bars = project.get("bars", [])
            shown = bars or [
                {"metric": k, "value": v} for k, v in list(project["metrics"].items())[:2]
            ]
            metrics = _first_two([f"{b['metric']} {_value(b['value'])}" for b in shown], "bars")
            verdict = "–" if not bars else "PASS" if all(b["passed"] for b in bars) else "FAIL"
            if project.get("status") == "FAILED":
                verdict = "FAILED"
            data = _first_two([d["name"] for d in project.get("datasets", [])], "files")
            mode = "fast" if doc["fast"] else "full"
            rows.append(
                (
                    f"{doc['week']:02d}",
                    name,
                    metrics,
                    verdict,
                    data,
                    mode,
                    f"{project['wall_seconds']:.0f}",
                )
            )
    return rows


def _value(value: float | None) -> str:
    """A bar's value to four digits, or "missing" for a bar whose metric was not produced."""
    return "missing" if value is None else f"{value:.4g}"


def _first_two(items: list[str], noun: str) -> str:
    """Show two items, then how many more, so a row stays readable (week 2 has nine bars)."""
    items = list(dict.fromkeys(items))
    if not items:
        return "–"
    return ", ".join(items[:2]) + (f" +{len(items) - 2} more {noun}" if len(items) > 2 else "")


def results_table(reports: Path = REPORTS_DIR) -> str:
    """Return the Markdown results table (or a hint when no week has run yet)."""
    rows = results_rows(reports)
    if not rows:
        return "_No reports yet: run `make all` (or one week), then `make results`._"
    headers = ["week", "project", "bar metrics", "bars", "data", "run", "seconds"]
    return markdown_table(headers, rows)


def rewrite_readme(readme: Path, table: str) -> None:
    """Replace the text between the results markers of `readme` with `table`."""
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} … {END} block to rewrite")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    write_text_atomic(readme, pattern.sub(lambda _: f"{START}\n{table}\n{END}", text))


def main() -> int:
    """Rewrite README.md's results table and print it."""
    table = results_table()
    rewrite_readme(REPO_ROOT / "README.md", table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
