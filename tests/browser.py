"""Real-browser checks: Debian's Chromium (apt-get install chromium) driven by Playwright.

Playwright's own browser download is never run: the browser is the system's, found at
$CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser. Where none is installed, or it
cannot start (no Playwright, a sandbox or library problem), `chromium()` and `open_page()` skip the
calling test and say why. Any test can import this module (`from browser import open_page`):
pytest puts tests/ on sys.path for tests/conftest.py.

    with open_page(url, text="Prediction", screenshot=out / "app.png") as visit:
        assert not visit.failures
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Containers run as root with a small /dev/shm: Chromium's sandbox cannot start there, and its
# shared memory must live in /tmp.
LAUNCH_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    """The system Chromium to drive: $CHROMIUM_PATH if set, else the first Debian path present."""
    named = os.environ.get("CHROMIUM_PATH")
    if named:
        return named if Path(named).is_file() else None
    for path in CANDIDATES:
        if Path(path).is_file():
            return path
    found = shutil.which("chromium")
    return found


@functools.cache
def why_no_chromium() -> str | None:
    """Why no browser can start here (asked once per test session), or None when one can."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        return "playwright is not installed (it is pinned in pyproject.toml's dev extras)"
    path = chromium_path()
    if path is None:
        named = os.environ.get("CHROMIUM_PATH")
        where = f"CHROMIUM_PATH={named} is not a file" if named else f"none of {CANDIDATES}"
        return f"no Chromium: {where}; install it with `apt-get install chromium`"
    try:
        with sync_playwright() as driver:
            driver.chromium.launch(executable_path=path, args=LAUNCH_ARGS).close()
    except Error as exc:
        return f"Chromium at {path} did not start: {str(exc).strip()[:500]}"
    return None


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless system Chromium, closed afterwards; skips the test when none can start."""
    reason = why_no_chromium()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """An open page and what went wrong while it loaded: failed requests and console errors.

    Requests Chromium aborted because the host's network changed are kept apart, and so are
    those the reload that follows cancels: the tests still wait for the page's own text, which
    shows whether it loaded.
    """

    page: Page
    failures: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    network_changes: list[str] = field(default_factory=list)  # aborted by the host, not the page
    reloading: bool = False  # True while wait_for_text reloads the page after a network change

    def broken_images(self) -> list[str]:
        """The src of every <img> on the page that did not load (no decoded pixels)."""
        return self.page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )

    def links(self) -> list[str]:
        """The absolute href of every link on the page."""
        return self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")


# Chromium aborts requests in flight when the host's network interfaces change; Docker adds and
# removes bridges as the image tests start and stop containers. That is the host, not the page.
HOST_NETWORK_CHANGED = "net::ERR_NETWORK_CHANGED"
RELOAD_ABORTED = "net::ERR_ABORTED"  # what a reload does to the requests still in flight
POLL_S = 1.0  # how often a wait for text looks for such a change


def _request_failed(visit: Visit, failure: str) -> None:
    """Record a failed request, except one the host's network change or our reload aborted."""
    if HOST_NETWORK_CHANGED in failure or (visit.reloading and RELOAD_ABORTED in failure):
        visit.network_changes.append(failure)
    else:
        visit.failures.append(failure)


def watch(page: Page) -> Visit:
    """Start recording a page's failed requests (HTTP >= 400 or no answer) and console errors."""
    visit = Visit(page)
    page.on(
        "response",
        lambda r: r.status >= 400 and visit.failures.append(f"HTTP {r.status} {r.url}"),
    )
    page.on("requestfailed", lambda r: _request_failed(visit, f"{r.failure} {r.url}"))
    page.on(
        "console",
        lambda m: m.type == "error" and visit.console_errors.append(m.text),
    )
    return visit


def wait_for_text(visit: Visit, text: str, timeout_s: float) -> None:
    """Wait up to `timeout_s` for `text`; reload as soon as a host network change aborts the page.

    A Streamlit page whose websocket Chromium dropped when Docker added a bridge never renders;
    a reload is what a user would do. The wait looks every POLL_S for such a change, so the page
    is reloaded at once instead of after the whole timeout (in CI two pages each sat out 120 s).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    target = visit.page.get_by_text(text).first
    deadline = time.monotonic() + timeout_s
    reloaded_for = 0
    while True:
        left = deadline - time.monotonic()
        try:
            target.wait_for(state="visible", timeout=max(min(POLL_S, left), 0.001) * 1000)
            return
        except PlaywrightTimeout:
            if time.monotonic() >= deadline:
                raise PlaywrightTimeout(f"{text!r} did not show within {timeout_s:g} s") from None
        if len(visit.network_changes) > reloaded_for:
            reloaded_for = len(visit.network_changes)
            visit.reloading = True
            try:
                visit.page.reload(wait_until="load")
            finally:
                visit.reloading = False


@contextmanager
def open_page(
    url: str,
    *,
    text: str | None = None,
    screenshot: Path | str | None = None,
    timeout_s: float = 30,
) -> Iterator[Visit]:
    """Open `url` in headless Chromium, wait until `text` shows, screenshot it, yield the visit.

    `text` is matched as a substring of any visible element; waiting past `timeout_s` fails the
    test with a Playwright TimeoutError naming the text. The screenshot (full page, PNG) is
    written after the wait, so it shows the state the test checks. Skips the test when no
    Chromium can start.
    """
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(timeout_s * 1000)
        visit = watch(page)
        page.goto(url, wait_until="load")
        if text is not None:
            wait_for_text(visit, text, timeout_s)
        if screenshot is not None:
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        yield visit
