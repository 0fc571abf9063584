"""The front door every week shares: `python -m weekNN_topic [--project NAME] [--fast] ...`.

A week lists its projects as {name: "module.path"}; each module has `run(ctx) -> metrics` and
may declare `BARS`. Modules are imported only when run, so `--help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from shared.context import RunContext
from shared.devices import DEVICE_CHOICES
from shared.paths import week_report_dir
from shared.registry import DatasetError
from shared.report import ProjectResult, summary_table, write_week_report
from shared.seeding import seed_everything


def build_parser(week: int, title: str, projects: dict[str, str]) -> argparse.ArgumentParser:
    """Return the argument parser with the flags every week shares."""
    package = next(iter(projects.values())).split(".")[0]
    parser = argparse.ArgumentParser(
        prog=f"python -m {package}",
        description=f"Week {week}: {title}. Runs every project of the week, or one.",
    )
    parser.add_argument(
        "--project",
        choices=list(projects),
        action="append",
        help="run only this project (repeatable)",
    )
    parser.add_argument("--fast", action="store_true", help="smoke size: tiny subsets, seconds")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"report folder (default {week_report_dir(week)}, or …-fast with --fast)",
    )
    parser.add_argument(
        "--device", choices=DEVICE_CHOICES, default="auto", help="PyTorch device (default auto)"
    )
    return parser


def run_project(module_path: str, ctx: RunContext) -> ProjectResult:
    """Import one project module, run it under a fresh seed, and check its quality bars."""
    module = importlib.import_module(module_path)
    seed_everything(ctx.seed)
    ctx.log("running" + (" (fast)" if ctx.fast else ""))
    start = time.perf_counter()
    metrics = {k: float(v) for k, v in module.run(ctx).items()}
    wall = time.perf_counter() - start
    bars = [row for bar in getattr(module, "BARS", []) if (row := bar.check(metrics))]
    doc = inspect.getdoc(module) or ""
    title, _, summary = doc.partition("\n")
    return ProjectResult(ctx, title.strip().rstrip("."), summary.strip(), metrics, bars, wall)


def run_week(
    week: int, title: str, projects: dict[str, str], argv: Sequence[str] | None = None
) -> int:
    """Parse the shared flags, run the chosen projects, write the report; return the exit code.

    Exit code 1 when a full run misses a quality bar (fast runs only report them), 2 when data
    cannot be fetched.
    """
    args = build_parser(week, title, projects).parse_args(argv)
    out = args.out or week_report_dir(week, args.fast)
    chosen = args.project or list(projects)
    start = time.perf_counter()
    results = []
    try:
        for name in chosen:
            ctx = RunContext(week, name, out, seed=args.seed, fast=args.fast, device=args.device)
            results.append(run_project(projects[name], ctx))
    except DatasetError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - start
    write_week_report(week, title, args.seed, args.fast, wall, results)
    print(f"\nWeek {week}: {title} — {wall:.1f}s, report in {out / 'report.md'}")
    print(summary_table(results, args.fast))
    failed = [r for r in results if r.failed_bars]
    return 1 if failed and not args.fast else 0
