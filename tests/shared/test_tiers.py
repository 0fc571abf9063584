"""The test tiers tests/conftest.py gives by what a test uses (`make test-unit` leaves them out),
and the one xdist scope of the files that drive Chromium or Docker."""

from __future__ import annotations

import types

import pytest
from tiers import HostNetworkScheduling, tiers


def _item(function, fixtures=(), module_names=None) -> types.SimpleNamespace:
    """A stand-in for a collected test: its function, fixtures and module namespace."""
    module = types.ModuleType("test_fake")
    module.__dict__.update(module_names or {})
    return types.SimpleNamespace(function=function, fixturenames=list(fixtures), module=module)


def test_a_whole_week_run_is_e2e() -> None:
    assert tiers(_item(lambda fast_run: fast_run("week01_eda"), ["fast_run", "tmp_path"])) == [
        "e2e"
    ]


def test_a_test_that_opens_a_page_is_browser() -> None:
    def visits(url: str) -> None:
        from browser import open_page

        with open_page(url):
            pass

    assert tiers(_item(visits)) == ["browser"]


def test_a_module_built_on_docker_support_is_docker() -> None:
    def docker() -> None:
        """Stands in for tests/docker_support.docker."""

    docker.__module__ = "docker_support"
    assert tiers(_item(lambda: None, module_names={"docker": docker})) == ["docker"]


def test_everything_else_is_in_the_unit_tier(tmp_path) -> None:
    assert tiers(_item(lambda tmp_path: tmp_path.mkdir(), ["tmp_path"])) == []


def test_files_that_drive_chromium_or_docker_share_one_xdist_scope(
    pytestconfig: pytest.Config,
) -> None:
    scheduler = types.SimpleNamespace(config=pytestconfig)  # all _split_scope reads

    def split(nodeid: str) -> str:
        return HostNetworkScheduling._split_scope(scheduler, nodeid)

    assert split("tests/week22/test_week22_sentiment.py::test_dashboard_in_chromium") == (
        split("tests/week24/test_week24_images.py::test_hub_image_serves_its_page_on_127_0_0_1")
    )
    assert split("tests/week15/test_week15_chatbot.py::test_units") == (
        "tests/week15/test_week15_chatbot.py"
    )
