"""The hub page: every app listed with its command, checked with Streamlit's AppTest and in a
real headless Chromium against `python -m week24_deploy serve hub`."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import open_page
from serving import serve_subprocess

from shared.apps import APPS
from shared.paths import REPO_ROOT

HUB = REPO_ROOT / "week24_deploy" / "hub_app.py"


def test_every_installed_app_has_its_command() -> None:
    for app in (a for a in APPS if a.installed()):
        main = importlib.import_module(f"{app.package}.__main__")
        sub = app.command.split()[3]
        assert sub in getattr(main, "COMMANDS", {}), f"{app.package} has no `{sub}` command"
    assert len({a.port for a in APPS}) == len(APPS), "two apps share a default port"


def test_hub_lists_every_app() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(HUB), default_timeout=30).run()
    assert not at.exception
    shown = " ".join(block.value for block in at.code)
    assert all(app.command in shown for app in APPS)
    described = " ".join(block.value for block in at.markdown)
    assert "**hub** (Streamlit dashboard)" in described and "(FastAPI service)" in described
    assert [s.value for s in at.subheader] == [f"Week {w}" for w in sorted({a.week for a in APPS})]


@pytest.fixture
def hub() -> Iterator[str]:
    """`python -m week24_deploy serve hub` on a free port, stopped afterwards."""
    with serve_subprocess("week24_deploy", "hub") as url:
        yield url


def test_hub_opens_in_chromium(hub: str, tmp_path: Path) -> None:
    shot = tmp_path / "hub.png"
    with open_page(hub, text=APPS[0].command, screenshot=shot, timeout_s=60) as visit:
        assert visit.page.get_by_text("every app of the course").first.is_visible()
    assert shot.stat().st_size > 1000
