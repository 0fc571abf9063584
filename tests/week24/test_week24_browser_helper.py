"""tests/browser.py on a tiny page served from tmp_path: text waited for, screenshot written,
broken images and failed requests reported, and a clear skip reason when no Chromium exists."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import (
    Visit,
    _request_failed,
    chromium_path,
    open_page,
    wait_for_text,
    why_no_chromium,
)

# A 1x1 PNG, so the page has one image that loads and one that does not.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f6d7ba0000000049454e44ae426082"
)
PAGE = """<!doctype html><html><body>
<h1>Week 24</h1><img src="pixel.png" alt="ok"><img src="missing.png" alt="broken">
<a href="other.html">other</a>
<script>setTimeout(() => {
  const p = document.createElement('p'); p.textContent = 'Loaded late'; document.body.append(p);
}, 300);</script>
</body></html>"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging every request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: pytest shows the assertions, not the access log."""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A static page with a late paragraph, a good and a missing image, on 127.0.0.1."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(PAGE)
    (root / "pixel.png").write_bytes(PIXEL)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def test_open_page_waits_for_text_and_writes_a_screenshot(site: str, tmp_path: Path) -> None:
    shot = tmp_path / "shots" / "page.png"
    with open_page(site, text="Loaded late", screenshot=shot) as visit:
        assert visit.page.title() == ""
        assert visit.page.get_by_text("Loaded late").is_visible()
        assert visit.broken_images() == [site.replace("index.html", "missing.png")]
        assert visit.links() == [site.replace("index.html", "other.html")]
    assert shot.read_bytes()[:8] == PIXEL[:8]
    assert any("HTTP 404" in failure and "missing.png" in failure for failure in visit.failures)


def test_text_that_never_shows_fails_the_wait(site: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with pytest.raises(PlaywrightTimeout), open_page(site, text="Never there", timeout_s=1):
        pass


def test_a_missing_browser_gives_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("playwright")
    monkeypatch.setenv("CHROMIUM_PATH", "/nonexistent/chromium")
    why_no_chromium.cache_clear()
    try:
        assert chromium_path() is None
        reason = why_no_chromium()
    finally:
        why_no_chromium.cache_clear()
    assert reason is not None and "CHROMIUM_PATH=/nonexistent/chromium" in reason


def test_a_request_aborted_by_a_host_network_change_is_not_a_page_failure() -> None:
    visit = Visit(page=None)
    _request_failed(visit, "net::ERR_NETWORK_CHANGED http://127.0.0.1:1/static/app.js")
    _request_failed(visit, "net::ERR_CONNECTION_REFUSED http://127.0.0.1:1/api")
    assert visit.failures == ["net::ERR_CONNECTION_REFUSED http://127.0.0.1:1/api"]
    assert len(visit.network_changes) == 1


class CutOffPage:
    """A page whose text shows only once reloaded, as a Streamlit page whose websocket dropped."""

    def __init__(self, visit: Visit | None = None) -> None:
        self.reloads, self.visit = 0, visit
        self.first = self  # page.get_by_text(text).first

    def get_by_text(self, text: str) -> CutOffPage:
        """Stand for the locator of `text`: this page."""
        return self

    def wait_for(self, state: str, timeout: float) -> None:
        """Time out (after a short sleep) until the page has been reloaded."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        if not self.reloads:
            time.sleep(min(timeout / 1000, 0.01))
            raise PlaywrightTimeout(f"Timeout {timeout}ms exceeded")

    def reload(self, wait_until: str) -> None:
        """Count the reload; it cancels a script still loading, as Chromium's reload does."""
        self.reloads += 1
        if self.visit is not None:
            _request_failed(self.visit, "net::ERR_ABORTED http://127.0.0.1:1/static/js/chunk.js")


def test_a_page_cut_off_by_a_network_change_is_reloaded_without_sitting_out_the_timeout() -> None:
    pytest.importorskip("playwright")
    page = CutOffPage()
    visit = Visit(page=page)
    visit.network_changes.append("net::ERR_NETWORK_CHANGED http://127.0.0.1:1/_stcore/stream")
    start = time.monotonic()
    wait_for_text(visit, "Sentiment dashboard", timeout_s=120)
    assert page.reloads == 1 and time.monotonic() - start < 10


def test_without_a_network_change_a_page_that_never_shows_the_text_times_out() -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = CutOffPage()
    with pytest.raises(PlaywrightTimeout, match=r"did not show within 0\.2 s"):
        wait_for_text(Visit(page=page), "Sentiment dashboard", timeout_s=0.2)
    assert page.reloads == 0


def test_requests_the_reload_cancels_are_not_page_failures() -> None:
    pytest.importorskip("playwright")
    visit = Visit(page=None)
    visit.page = CutOffPage(visit)
    visit.network_changes.append("net::ERR_NETWORK_CHANGED http://127.0.0.1:1/_stcore/stream")
    wait_for_text(visit, "Forecasts", timeout_s=120)
    assert visit.failures == [] and not visit.reloading
    assert visit.network_changes[-1].startswith("net::ERR_ABORTED")
    _request_failed(visit, "net::ERR_ABORTED http://127.0.0.1:1/static/js/late.js")
    assert visit.failures == ["net::ERR_ABORTED http://127.0.0.1:1/static/js/late.js"]
