"""The front door every week shares: `python -m weekNN_topic [--project NAME] [--fast] ...`.

A week lists its projects as {name: "module.path"}; each module has `run(ctx) -> metrics` and
may declare `BARS`. A week with more than projects lists sub-commands as {name: "module:function"}
(`python -m week07_pipelines predict ...`), each a `main(argv) -> exit code`. Modules are
imported only when run, so `--help` stays instant.

A project that raises does not stop the others: it is marked FAILED in the report with a short
reason, and the command exits non-zero. What can be checked before any work starts (the output
folder, the data cache, the device) is checked first. Exit codes are in `EXIT_CODES`.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared import distributed
from shared.bars import bar_problems, check_bars
from shared.context import RunContext, discard_staged
from shared.devices import (
    DEVICE_CHOICES,
    PRECISION_CHOICES,
    precision_setting,
    requested_precision,
    resolve_device,
    take_used_precisions,
)
from shared.paths import cache_dir, week_report_dir
from shared.registry import DatasetError
from shared.report import ProjectResult, summary_table, write_week_report
from shared.seeding import MAX_SEED, seed_everything

EXIT_CODES = {
    0: "every project ran (and, in a full run, reached its bars)",
    1: "a full run missed a quality bar",
    2: "the command line is wrong (usage error)",
    3: "a project failed with an error (the report marks it FAILED)",
    4: "a project's data could not be fetched (the report marks it FAILED)",
    5: "the environment cannot run the week: output folder, data cache or device",
    130: "interrupted (Ctrl-C); nothing half-written is left",
}


class EnvironmentProblem(RuntimeError):
    """Something outside the code stops the run before it starts; the message says what to do."""


def command_error(message: str) -> int:
    """Print `error: message` to stderr as argparse does; return 2, the usage-error exit code.

    The one way a week's command (predict, classify, coins, ...) refuses bad input.
    """
    print(f"error: {message}", file=sys.stderr)
    return 2


def _seed(text: str) -> int:
    """Parse --seed: an integer NumPy and PyTorch both accept (0 .. 2**32 - 1)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is outside 0 .. {MAX_SEED}")
    return value


def port(text: str) -> int:
    """Parse --port: a TCP port a server can listen on (1 .. 65535)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is outside 1 .. 65535")
    return value


def build_parser(
    week: int, title: str, projects: Mapping[str, str], commands: Mapping[str, str] | None = None
) -> argparse.ArgumentParser:
    """Return the argument parser with the flags every week shares."""
    package = next(iter(projects.values())).split(".")[0]
    epilog = None
    if commands:
        names = ", ".join(commands)
        epilog = f"sub-commands: {names} (`python -m {package} COMMAND --help` for each)"
    parser = argparse.ArgumentParser(
        prog=f"python -m {package}",
        description=f"Week {week}: {title}. Runs every project of the week, or one.",
        epilog=epilog,
    )
    parser.add_argument(
        "--project",
        choices=list(projects),
        action="append",
        help="run only this project (repeatable)",
    )
    parser.add_argument("--fast", action="store_true", help="smoke size: tiny subsets, seconds")
    parser.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"report folder (default {week_report_dir(week)}, or …-fast with --fast)",
    )
    parser.add_argument(
        "--device", choices=DEVICE_CHOICES, default="auto", help="PyTorch device (default auto)"
    )
    parser.add_argument(
        "--precision",
        choices=PRECISION_CHOICES,
        default=None,
        help="training precision: auto = bf16 on CUDA or an AMX CPU, else fp32 "
        "(default $ML_ROADMAP_PRECISION or auto)",
    )
    return parser


def run_command(target: str, argv: Sequence[str]) -> int:
    """Import `module:function` and call it with the sub-command's arguments.

    A sub-command that raises EnvironmentProblem (exit 5) or DatasetError (exit 4) ends with
    the same one `error:` line as the week command, not a traceback.
    """
    module_path, _, function = target.partition(":")
    try:
        return int(getattr(importlib.import_module(module_path), function or "main")(list(argv)))
    except (EnvironmentProblem, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 5 if isinstance(exc, EnvironmentProblem) else 4


def check_environment(out: Path, device: str) -> None:
    """Check what can be checked before any work: a writable out folder and cache, the device."""
    for what, folder in (("report folder (--out)", out), ("data cache", cache_dir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            hint = " (set ML_ROADMAP_CACHE to a writable folder)" if what == "data cache" else ""
            raise EnvironmentProblem(
                f"the {what} {folder} is not a writable folder: {exc.strerror or exc}{hint}"
            ) from exc
    if device != "auto":
        try:
            resolve_device(device)
        except ValueError as exc:
            raise EnvironmentProblem(str(exc)) from exc


def run_project(module_path: str, ctx: RunContext) -> ProjectResult:
    """Import one project module, run it under a fresh seed, and check its quality bars.

    A declared bar whose metric is missing or not finite fails the project, fast runs too.
    """
    module = importlib.import_module(module_path)
    seed_everything(ctx.seed)
    ctx.log("running" + (" (fast)" if ctx.fast else ""))
    start = time.perf_counter()
    take_used_precisions()  # what an earlier project used is not this one's
    metrics = {k: float(v) for k, v in module.run(ctx).items()}
    wall = time.perf_counter() - start
    if precisions := take_used_precisions():
        ctx.info.setdefault("precision", "+".join(precisions))
    used = [d["name"] for d in ctx.datasets]
    bars, not_applicable = check_bars(getattr(module, "BARS", []), metrics, used)
    doc = inspect.getdoc(module) or ""
    title, _, summary = doc.partition("\n")
    error = "; ".join(bar_problems(bars)) or None
    return ProjectResult(
        ctx,
        title.strip().rstrip("."),
        summary.strip(),
        metrics,
        bars,
        wall,
        error,
        not_applicable=not_applicable,
    )


def failed_project(ctx: RunContext, module_path: str, exc: Exception, wall: float) -> ProjectResult:
    """Return the result of a project that raised: FAILED, with a one-paragraph reason."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {Path(frame.filename).name}:{frame.lineno})" if frame else ""
    reason = f"{type(exc).__name__}: {exc}".strip()
    if not isinstance(exc, DatasetError):
        reason += where
    ctx.log(f"FAILED: {reason.splitlines()[0]}")
    title = module_path.rsplit(".", 1)[-1].replace("_", " ").capitalize()
    data_error = isinstance(exc, DatasetError)
    return ProjectResult(ctx, title, "", {}, [], wall, error=reason, data_error=data_error)


def exit_code(results: Sequence[ProjectResult], fast: bool) -> int:
    """Return the run's exit code (see EXIT_CODES): errors first, then missed bars."""
    if any(r.error and r.data_error for r in results):
        return 4
    if any(r.error for r in results):
        return 3
    return 1 if any(r.failed_bars for r in results) and not fast else 0


def run_week(
    week: int,
    title: str,
    projects: Mapping[str, str],
    argv: Sequence[str] | None = None,
    commands: Mapping[str, str] | None = None,
) -> int:
    """Run a sub-command, or parse the shared flags, run the projects, write the report.

    Returns the exit code (see EXIT_CODES).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if commands and argv[:1] and argv[0] in commands:
        return run_command(commands[argv[0]], argv[1:])
    args = build_parser(week, title, projects, commands).parse_args(argv)
    with precision_setting(args.precision):
        try:
            requested_precision()
        except ValueError as exc:
            return command_error(str(exc))
        return _run_projects(week, title, projects, args)


def _run_projects(
    week: int, title: str, projects: Mapping[str, str], args: argparse.Namespace
) -> int:
    """Check the environment, run the chosen projects, write the report; return the exit code."""
    out = args.out or week_report_dir(week, args.fast)
    try:
        check_environment(out, args.device)
    except EnvironmentProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 5
    if distributed.is_main():
        discard_staged(out)  # what a killed run left behind
    start = time.perf_counter()
    results = []
    try:
        for name in args.project or list(projects):
            ctx = RunContext(week, name, out, seed=args.seed, fast=args.fast, device=args.device)
            project_start = time.perf_counter()
            try:
                results.append(run_project(projects[name], ctx))
            except Exception as exc:  # one failing project must not stop the others
                wall = time.perf_counter() - project_start
                results.append(failed_project(ctx, projects[name], exc, wall))
    except KeyboardInterrupt:
        discard_staged(out)
        print("\ninterrupted: no report written (finished files are complete)", file=sys.stderr)
        return 130
    finally:
        distributed.teardown()
    wall = time.perf_counter() - start
    if distributed.is_main():  # under torchrun only rank 0 writes the report
        write_week_report(week, title, args.seed, args.fast, wall, results)
        print(f"\nWeek {week}: {title} — {wall:.1f}s, report in {out / 'report.md'}")
        print(summary_table(results, args.fast))
    return exit_code(results, args.fast)
