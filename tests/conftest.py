"""Fixtures every test layer shares."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from shared.cli import run_week


@pytest.fixture
def fast_run(tmp_path: Path) -> Callable[..., dict]:
    """Run a week's `--fast` mode in-process into tmp_path and return its metrics.json."""

    def _run(package: str, *extra: str) -> dict:
        main = importlib.import_module(f"{package}.__main__")
        argv = ["--fast", "--out", str(tmp_path), "--device", "cpu", *extra]
        assert run_week(main.WEEK, main.TITLE, main.PROJECTS, argv) == 0
        assert (tmp_path / "report.md").is_file()
        return json.loads((tmp_path / "metrics.json").read_text())

    return _run
