"""Where things live: the repository, the reports and the download cache."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REGISTRY_FILE = REPO_ROOT / "datasets" / "registry.toml"
REPORTS_DIR = REPO_ROOT / "reports"


def cache_dir() -> Path:
    """Return the download cache (ML_ROADMAP_CACHE, else ~/.cache/ml-roadmap); kept out of git."""
    root = os.environ.get("ML_ROADMAP_CACHE") or Path.home() / ".cache" / "ml-roadmap"
    return Path(root).expanduser()


def week_report_dir(week: int, fast: bool = False) -> Path:
    """Return a week's default report folder: reports/weekNN, or reports/weekNN-fast for smoke runs.

    Smoke runs get their own folder so they never overwrite the full report, nor the models a
    later week serves (week 8 serves reports/week07/models/).
    """
    return REPORTS_DIR / (f"week{week:02d}-fast" if fast else f"week{week:02d}")
