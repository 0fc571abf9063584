"""`make results`: rewrite README.md's results tables from the full runs' reports/weekNN/metrics.json.

Two tables: every project's bars, and every week's wall time against its limit. Wall times are
kept per kind of machine in benchmarks/week_seconds.json (fp32 on a CPU without AMX, bf16 on one
with AMX, CUDA), because one machine can measure only its own kind: a run updates its column and
leaves the others as they were measured.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from shared.atomic import write_text_atomic
from shared.paths import REPO_ROOT, REPORTS_DIR
from shared.report import markdown_table

START, END = "<!-- results:start -->", "<!-- results:end -->"
SECONDS_START, SECONDS_END = "<!-- seconds:start -->", "<!-- seconds:end -->"
SECONDS_FILE = REPO_ROOT / "benchmarks" / "week_seconds.json"
CLASSIC_WEEKS = (5, 6, 7, 8)  # scikit-learn and FastAPI only: the same work in fp32 and bf16
KINDS = {"cpu-fp32": "CPU fp32", "cpu-bf16": "CPU bf16 (AMX)", "cuda-bf16": "CUDA bf16"}

# Each week's wall-time limit for a full run on a 2-core CPU, in minutes, as its issue set it:
# weeks 1-4 issue 2, 5-7 issue 3, 9-11 issue 5, 12-13 issue 10, 14-15 issue 11, 16-17 issue 12,
# 18 issue 13, 19-20 issue 14, 21 issue 15, 22-24 issue 16; week 8 (issue 4 set none) as classic.
LIMIT_MINUTES = {
    **dict.fromkeys(range(1, 5), 3),
    **dict.fromkeys(range(5, 9), 5),
    **dict.fromkeys(range(9, 12), 10),
    **dict.fromkeys((12, 13, 14), 5),
    15: 15,
    16: 3,
    17: 8,
    18: 3,
    **dict.fromkeys((19, 20, 21), 15),
    **dict.fromkeys((22, 23, 24), 10),
}


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


def measured_seconds(reports: Path = REPORTS_DIR) -> dict[str, dict[str, dict]]:
    """Return {machine kind: {week: measurement}} for the full runs whose metrics.json says where."""
    found: dict[str, dict[str, dict]] = {}
    for path in sorted(reports.glob("week[0-9][0-9]/metrics.json")):
        doc = json.loads(path.read_text())
        machine = doc.get("machine")
        if doc["fast"] or not machine or "wall_seconds" not in doc:
            continue
        kind = f"{machine['device']}-{machine['precision']}"
        date = datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
        found.setdefault(kind, {})[str(doc["week"])] = {
            "seconds": doc["wall_seconds"],
            "cpu": machine["cpu"],
            "date": date,
        }
    return found


def merge_seconds(known: dict[str, dict[str, dict]], new: dict[str, dict[str, dict]]) -> dict:
    """Return `known` with every week measured in `new` replaced, per machine kind."""
    merged = {kind: dict(weeks) for kind, weeks in known.items()}
    for kind, weeks in new.items():
        merged.setdefault(kind, {}).update(weeks)
    return merged


def seconds_table(seconds: dict[str, dict[str, dict]]) -> str:
    """Return the Markdown table of each week's wall time per machine kind against its limit."""
    kinds = [kind for kind in KINDS if kind in seconds]
    rows = []
    for week, limit in LIMIT_MINUTES.items():
        measured = [seconds[kind].get(str(week)) for kind in kinds]
        cells = [f"{m['seconds']:.0f}" if m else "–" for m in measured]
        fp32 = seconds.get("cpu-fp32", {}).get(str(week))
        within = _within({str(week): fp32}, limit) if fp32 else "–"
        rows.append((f"{week:02d}", limit, *cells, within))
    totals = [_total(seconds[kind]) for kind in kinds]
    fp32_weeks = seconds.get("cpu-fp32", {})
    within = "–" if len(fp32_weeks) < len(LIMIT_MINUTES) else _within(fp32_weeks, 60)
    rows.append(("all", 60, *totals, within))
    headers = ["week", "limit (min)", *(f"{KINDS[k]} s" for k in kinds), "fp32 within limit"]
    notes = [
        f"{KINDS[kind]}: {', '.join(sorted({m['cpu'] for m in weeks.values()}))}, "
        f"{min(m['date'] for m in weeks.values())} to {max(m['date'] for m in weeks.values())}"
        for kind, weeks in ((k, seconds[k]) for k in kinds)
    ]
    text = markdown_table(headers, rows) + "\n\nMeasured on: " + "; ".join(notes) + "."
    if ratio := _speed_ratio(seconds):
        text += (
            f" Weeks 5-8 train no network, so precision does not touch them: the fp32 machine ran "
            f"them {ratio:.1f} times as long as the bf16 one. A week's ratio of the two columns "
            "is that machine factor times what bf16 saves."
        )
    return text


def _speed_ratio(seconds: dict[str, dict[str, dict]]) -> float | None:
    """Return how much slower the fp32 machine ran the weeks without PyTorch training."""
    fp32, bf16 = seconds.get("cpu-fp32", {}), seconds.get("cpu-bf16", {})
    if not all(str(w) in fp32 and str(w) in bf16 for w in CLASSIC_WEEKS):
        return None
    total = {
        kind: sum(weeks[str(w)]["seconds"] for w in CLASSIC_WEEKS)
        for kind, weeks in (("fp32", fp32), ("bf16", bf16))
    }
    return total["fp32"] / total["bf16"] if total["bf16"] else None


def _total(weeks: dict[str, dict]) -> str:
    """Return the summed minutes of the measured weeks, saying how many when not all 24."""
    minutes = f"{sum(m['seconds'] for m in weeks.values()) / 60:.0f} min"
    return minutes if len(weeks) == len(LIMIT_MINUTES) else f"{minutes} ({len(weeks)} weeks)"


def _within(weeks: dict[str, dict], limit_minutes: float) -> str:
    """Return "yes" when the weeks' summed seconds fit the limit, else a bold "no"."""
    return "yes" if sum(m["seconds"] for m in weeks.values()) <= 60 * limit_minutes else "**no**"


def rewrite_readme(readme: Path, table: str, start: str = START, end: str = END) -> None:
    """Replace the text between the `start` and `end` markers of `readme` with `table`."""
    text = readme.read_text()
    if start not in text or end not in text:
        raise SystemExit(f"{readme} has no {start} … {end} block to rewrite")
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    write_text_atomic(readme, pattern.sub(lambda _: f"{start}\n{table}\n{end}", text))


def main() -> int:
    """Rewrite README.md's results and seconds tables (and week_seconds.json) and print them."""
    table = results_table()
    rewrite_readme(REPO_ROOT / "README.md", table)
    known = json.loads(SECONDS_FILE.read_text()) if SECONDS_FILE.exists() else {}
    seconds = merge_seconds(known, measured_seconds())
    write_text_atomic(SECONDS_FILE, json.dumps(seconds, indent=2, sort_keys=True) + "\n")
    timing = seconds_table(seconds)
    rewrite_readme(REPO_ROOT / "README.md", timing, SECONDS_START, SECONDS_END)
    print(table, timing, sep="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
