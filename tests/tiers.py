"""The test tiers (pytest markers) a test belongs to, read from what it uses.

`e2e`: a whole week run through the `fast_run` fixture; `browser`: a real Chromium through
tests/browser.py; `docker`: a module built on tests/docker_support.py. tests/conftest.py marks
every collected test with them.
"""

from __future__ import annotations

import pytest

BROWSER_CALLS = frozenset({"open_page", "chromium"})


def tiers(item: pytest.Item) -> list[str]:
    """Return the tier markers of one test, read from its fixtures, its code and its module."""
    found = []
    if "fast_run" in getattr(item, "fixturenames", ()):
        found.append("e2e")
    function = getattr(item, "function", None)
    if function is not None and BROWSER_CALLS & set(function.__code__.co_names):
        found.append("browser")
    module = getattr(item, "module", None)
    names = vars(module).values() if module is not None else ()
    if any(getattr(value, "__module__", None) == "docker_support" for value in names):
        found.append("docker")
    return found
