"""Benchmark results: each benchmark script merges its section into reports/bench.json."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from filelock import FileLock

from shared.atomic import write_text_atomic
from shared.paths import REPORTS_DIR


def record(section: str, results: dict, path: Path | None = None) -> Path:
    """Merge `results` under `section` into bench.json (atomically) and return the file's path."""
    path = path or REPORTS_DIR / "bench.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        doc = json.loads(path.read_text()) if path.exists() else {}
        doc["machine"] = {"cpu_count": _cpu_count(), "platform": platform.platform()}
        doc[section] = results
        write_text_atomic(path, json.dumps(doc, indent=2) + "\n")
    return path


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
