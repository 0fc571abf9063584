"""The test tiers (pytest markers) a test belongs to, read from what it uses.

`e2e`: a whole week run through the `fast_run` fixture, or a test whose fixture runs a week's
project to get its real output (`fast_minilm`: week 15's fine-tune at smoke size); `browser`: a real Chromium through
tests/browser.py; `docker`: a module built on tests/docker_support.py; `service`: a test that
starts real processes or a real server on a socket (`ServerProcess`, `serve_subprocess`,
`serve_in_thread`, `subprocess`, torchrun), to check what only a running service shows:
concurrency, restarts, signals, a clean interpreter. A test whose code under test starts the
processes itself (week 17's tuning workers) carries `@pytest.mark.service` by hand.
tests/conftest.py marks every collected test with them.
"""

from __future__ import annotations

import types

import pytest

E2E_FIXTURES = frozenset({"fast_run", "fast_minilm"})
BROWSER_CALLS = frozenset({"open_page", "chromium"})
SERVICE_CALLS = frozenset(
    {"ServerProcess", "serve_subprocess", "served", "serve_in_thread", "subprocess", "_torchrun"}
)


def names_used(code: types.CodeType) -> set[str]:
    """Every global or attribute name a function's code uses, its nested functions' included."""
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= names_used(const)
    return found


def tiers(item: pytest.Item) -> list[str]:
    """Return the tier markers of one test, read from its fixtures, its code and its module."""
    found = []
    if E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
        found.append("e2e")
    function = getattr(item, "function", None)
    used = names_used(function.__code__) if function is not None else set()
    if BROWSER_CALLS & used:
        found.append("browser")
    if SERVICE_CALLS & used:
        found.append("service")
    module = getattr(item, "module", None)
    names = vars(module).values() if module is not None else ()
    if any(getattr(value, "__module__", None) == "docker_support" for value in names):
        found.append("docker")
    return found
