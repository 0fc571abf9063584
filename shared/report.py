"""Writes a week's report.md and metrics.json, and prints the summary table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.atomic import write_text_atomic
from shared.context import RunContext, promote_staged
from shared.devices import machine_info


@dataclass
class ProjectResult:
    """What one project run produced: its metrics, bar checks and the context it filled."""

    ctx: RunContext
    title: str
    summary: str
    metrics: dict[str, float]
    bars: list[dict] = field(default_factory=list)
    wall_seconds: float = 0.0
    error: str | None = None
    data_error: bool = False
    not_applicable: list[dict] = field(default_factory=list)

    @property
    def failed_bars(self) -> list[dict]:
        """Return the bars this run did not reach."""
        return [b for b in self.bars if not b["passed"]]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return a GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def metrics_json(
    week: int,
    seed: int,
    fast: bool,
    wall: float,
    results: list[ProjectResult],
    machine: dict[str, object] | None = None,
) -> dict:
    """Return the metrics.json document (the contract described in CONVENTIONS.md).

    `machine` (devices.machine_info) says where the wall time was measured, so `make results` can
    file it under fp32 or bf16.
    """
    return {
        "week": week,
        "fast": fast,
        "seed": seed,
        "wall_seconds": round(wall, 2),
        **({"machine": machine} if machine else {}),
        "projects": {
            r.ctx.project: {
                "title": r.title,
                "status": "FAILED" if r.error else "ok",
                **({"error": r.error} if r.error else {}),
                "metrics": r.metrics,
                "bars": r.bars,
                **({"bars_not_applicable": r.not_applicable} if r.not_applicable else {}),
                "datasets": r.ctx.datasets,
                "info": r.ctx.info,
                "wall_seconds": round(r.wall_seconds, 2),
            }
            for r in results
        },
    }


def report_markdown(
    week: int, title: str, seed: int, fast: bool, results: list[ProjectResult]
) -> str:
    """Return report.md: per project what was done, on which data, its metrics, bars and figures."""
    mode = "fast smoke run (tiny subsets; bars are not expected to pass)" if fast else "full run"
    parts = [f"# Week {week}: {title}", f"Seed {seed}, {mode}."]
    for r in results:
        parts.append(f"## {r.title} (`{r.ctx.project}`)")
        if r.summary:
            parts.append(r.summary)
        if r.error:
            parts.append(f"**FAILED.** {r.error}")
        if r.ctx.datasets:
            rows = [
                (d["name"], d["description"], d["mirror"], d["sha256"][:16] + "…")
                for d in r.ctx.datasets
            ]
            parts.append(
                "**Data**\n\n" + markdown_table(["name", "what", "mirror", "sha256"], rows)
            )
        metric_rows = [(k, v) for k, v in r.metrics.items()]
        parts.append("**Metrics**\n\n" + markdown_table(["metric", "value"], metric_rows))
        if r.bars or r.not_applicable:
            bar_rows = [
                (
                    b["metric"],
                    f"{b['op']} {b['target']}",
                    "missing" if b["value"] is None else b["value"],
                    "PASS" if b["passed"] else "FAIL",
                    b["reference"],
                )
                for b in r.bars
            ]
            bar_rows += [
                (
                    b["metric"],
                    f"{b['op']} {b['target']}",
                    "–",
                    f"not applicable: {b['reason']}",
                    b["reference"],
                )
                for b in r.not_applicable
            ]
            parts.append(
                "**Quality bars**\n\n"
                + markdown_table(["metric", "target", "value", "result", "reference"], bar_rows)
            )
        parts.extend(r.ctx.sections)
        for path, caption in r.ctx.figures:
            parts.append(f"![{caption}]({path})\n\n*{caption}*")
        parts.append(f"_Wall time: {r.wall_seconds:.1f} s._")
    return "\n\n".join(parts) + "\n"


def write_week_report(
    week: int, title: str, seed: int, fast: bool, wall: float, results: list[ProjectResult]
) -> None:
    """Write report.md and metrics.json of a week into the results' out folder, atomically."""
    out = results[0].ctx.out
    promote_staged(out)
    doc = metrics_json(week, seed, fast, wall, results, machine_info(results[0].ctx.device))
    write_text_atomic(out / "metrics.json", json.dumps(doc, indent=2) + "\n")
    write_text_atomic(out / "report.md", report_markdown(week, title, seed, fast, results))


def summary_table(results: list[ProjectResult], fast: bool) -> str:
    """Return the plain-text summary printed at the end of a run."""
    lines = []
    for r in results:
        status = "no bar" if not r.bars else "PASS" if not r.failed_bars else "FAIL"
        if r.error:
            status = "FAILED: " + r.error.splitlines()[0][:60]
        if r.not_applicable:
            status += f" ({len(r.not_applicable)} not applicable)"
        if fast and r.bars:
            status += " (fast run: not enforced)"
        shown = ", ".join(f"{k}={_cell(v)}" for k, v in list(r.metrics.items())[:4])
        lines.append(f"  {r.ctx.project:<24} {r.wall_seconds:7.1f}s  {status:<28} {shown}")
    return "\n".join(lines)
