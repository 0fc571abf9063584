"""The test tiers (pytest markers) a test belongs to, read from what it uses.

`e2e`: a whole week run through the `fast_run` fixture, or a test whose fixture runs a week's
project to get its real output (`fast_minilm`: week 15's fine-tune at smoke size); `browser`: a real Chromium through
tests/browser.py; `docker`: a module built on tests/docker_support.py; `service`: a test that
starts real processes or a real server on a socket (`ServerProcess`, `serve_subprocess`,
`serve_in_thread`, `subprocess`, torchrun), to check what only a running service shows:
concurrency, restarts, signals, a clean interpreter. A test whose code under test starts the
processes itself (week 17's tuning workers) carries `@pytest.mark.service` by hand.
tests/conftest.py marks every collected test with them.

`shares_host_network` names the test files that drive Chromium or Docker, which conftest.py
runs on one xdist worker (`HostNetworkScheduling`).
"""

from __future__ import annotations

import functools
import re
import types
from pathlib import Path

import pytest
from xdist.scheduler import LoadFileScheduling

E2E_FIXTURES = frozenset({"fast_run", "fast_minilm"})
BROWSER_CALLS = frozenset({"open_page", "chromium"})
_HOST_NETWORK_IMPORT = re.compile(r"^\s*(?:from|import) (?:browser|docker_support)\b", re.M)
SERVICE_CALLS = frozenset(
    {"ServerProcess", "serve_subprocess", "served", "serve_in_thread", "subprocess", "_torchrun"}
)


def names_used(code: types.CodeType, module: types.ModuleType | None = None) -> set[str]:
    """Every global or attribute name a function's code uses, its nested functions' included,
    and those of the helper functions of its own module that it calls."""
    found: set[str] = set()
    pending, seen = [code], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        found |= set(current.co_names)
        pending += [c for c in current.co_consts if isinstance(c, types.CodeType)]
        for name in current.co_names:
            helper = getattr(module, name, None) if module is not None else None
            helper = getattr(helper, "__wrapped__", helper)  # a @contextmanager helper
            if isinstance(helper, types.FunctionType) and helper.__module__ == module.__name__:
                pending.append(helper.__code__)
    return found


def tiers(item: pytest.Item) -> list[str]:
    """Return the tier markers of one test, read from its fixtures, its code and its module."""
    found = []
    if E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
        found.append("e2e")
    function = getattr(item, "function", None)
    module = getattr(item, "module", None)
    used = names_used(function.__code__, module) if function is not None else set()
    if BROWSER_CALLS & used:
        found.append("browser")
    if SERVICE_CALLS & used:
        found.append("service")
    names = vars(module).values() if module is not None else ()
    if any(getattr(value, "__module__", None) == "docker_support" for value in names):
        found.append("docker")
    return found


@functools.cache
def shares_host_network(path: Path) -> bool:
    """Return True for a test file that imports tests/browser.py or tests/docker_support.py.

    Docker adds and removes host network interfaces as containers start and stop, and Chromium
    then aborts its connections (net::ERR_NETWORK_CHANGED), Streamlit's websocket among them.
    """
    return path.suffix == ".py" and bool(_HOST_NETWORK_IMPORT.search(path.read_text()))


class HostNetworkScheduling(LoadFileScheduling):
    """`--dist loadfile`, except that the files driving Chromium or Docker share one worker.

    On two workers a container could start while the other worker's Chromium shows a Streamlit
    page; the host's network change drops the page's websocket and it never finishes rendering
    (CI: week 22's dashboard test, 120 s, then a timeout). One after another, they cannot meet.
    """

    def _split_scope(self, nodeid: str) -> str:
        """Return the nodeid's file, or one shared scope for the host-network files."""
        path = nodeid.split("::", 1)[0]
        return "host-network" if shares_host_network(self.config.rootpath / path) else path
