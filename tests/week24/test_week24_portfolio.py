"""The portfolio site: built with strict link checking from a week's README and report, links
rewritten, and opened in headless Chromium (screenshot, no failed request, every figure loads)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import VIEWPORT, open_page, watch

from shared.paths import REPO_ROOT
from week24_deploy.portfolio import (
    Site,
    broken_references,
    build,
    main,
    rewrite_links,
    split_report,
)

PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f6d7ba0000000049454e44ae426082"
)
REPORT = """# Week 99: Test week

Seed 0, full run.

## First project (`first`)

Text with a figure.

![a figure](figures/first_curve.png)

## Second project (`second`)

More text.
"""


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny repository (root README, week 99 README) and a reports folder with one report."""
    root, reports = tmp_path / "repo", tmp_path / "reports"
    week = root / "week99_test"
    week.mkdir(parents=True)
    (root / "README.md").write_text("# Course\n\nSee [week 99](week99_test/README.md).\n")
    (week / "README.md").write_text(
        "# Week 99 — Test week\n\nCode: [model.py](model.py); "
        "[the report](../reports/week99/report.md); [home](../README.md).\n"
    )
    (week / "model.py").write_text("")
    out = reports / "week99"
    (out / "figures").mkdir(parents=True)
    (out / "report.md").write_text(REPORT)
    (out / "figures" / "first_curve.png").write_bytes(PIXEL)
    metrics = {
        "week": 99,
        "fast": False,
        "projects": {"first": {"metrics": {"a": 1.0}, "bars": [], "wall_seconds": 1.0}},
    }
    (out / "metrics.json").write_text(json.dumps(metrics))
    return root, reports


def test_report_is_split_per_project() -> None:
    header, sections = split_report(REPORT)
    assert header.startswith("# Week 99")
    assert [(p, t) for p, t, _ in sections] == [
        ("first", "First project"),
        ("second", "Second project"),
    ]


def test_source_links_become_paths_or_hosted_links(tmp_path: Path) -> None:
    source = REPO_ROOT / "week10_cnn" / "README.md"
    text = "[cnn.py](cnn.py) and [the loop](../shared/training.py)"
    site = Site(tmp_path)
    assert rewrite_links(text, source, "week10/index.md", site, None) == (
        "`week10_cnn/cnn.py` and the loop (`shared/training.py`)"
    )
    hosted = rewrite_links(text, source, "week10/index.md", site, "https://example.org/blob/main")
    assert "(https://example.org/blob/main/shared/training.py)" in hosted


def test_site_builds_strictly_and_has_no_broken_reference(repo, tmp_path: Path) -> None:
    root, reports = repo
    index = build(tmp_path / "out", root, reports)
    site = index.parent
    assert broken_references(site) == []
    assert (site / "week99" / "first.html").is_file() and (
        site / "week99" / "second.html"
    ).is_file()
    assert (site / "week99" / "figures" / "first_curve.png").read_bytes() == PIXEL
    week_page = (site / "week99" / "index.html").read_text()
    assert "week99_test/model.py" in week_page and 'href="first.html"' in week_page


def test_a_missing_figure_is_reported(repo, tmp_path: Path) -> None:
    root, reports = repo
    index = build(tmp_path / "out", root, reports)
    (index.parent / "week99" / "figures" / "first_curve.png").unlink()
    assert broken_references(index.parent) == ["week99/first.html -> figures/first_curve.png"]


@pytest.fixture
def served(repo, tmp_path: Path) -> Iterator[str]:
    """The built site served over HTTP on 127.0.0.1 (as a static host would serve it)."""
    root, reports = repo
    site = build(tmp_path / "out", root, reports).parent
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_site_opens_in_chromium_with_every_figure(served: str, tmp_path: Path) -> None:
    shot = tmp_path / "portfolio.png"
    with open_page(f"{served}/week99/first.html", text="Text with a figure", screenshot=shot) as v:
        assert v.broken_images() == []
        assert v.page.locator("img[src='figures/first_curve.png']").count() == 1
        links = [u for u in v.links() if u.startswith(served)]
        assert any(u.endswith("/week99/second.html") for u in links)
        for url in sorted(set(links)):  # each in a fresh context of the same browser
            visit = watch(v.page.context.browser.new_page(viewport=VIEWPORT))
            visit.page.goto(url.split("#")[0], wait_until="load")
            assert visit.failures == [] and visit.broken_images() == [], url
    assert v.failures == [], v.failures
    assert shot.stat().st_size > 1000
    shutil.rmtree(tmp_path / "out")


@pytest.fixture
def one_report(tmp_path: Path) -> Path:
    """A reports folder holding one report of a week this repository has (week 1)."""
    reports = tmp_path / "reports"
    (reports / "week01").mkdir(parents=True)
    (reports / "week01" / "report.md").write_text("# Week 1\n")
    return reports


@pytest.mark.parametrize(
    ("out", "code", "says"),
    [("/proc/ml-roadmap-site", 5, "not a writable folder"), ("taken.txt", 5, "is a file")],
)
def test_an_out_that_cannot_hold_the_site_is_one_line(
    one_report: Path, tmp_path: Path, capsys, out: str, code: int, says: str
) -> None:
    taken = tmp_path / "taken.txt"
    taken.write_text("mine")
    target = out if out.startswith("/") else str(taken)
    assert main(["--out", target, "--reports", str(one_report)]) == code
    err = capsys.readouterr().err
    assert err.startswith("error: --out") and err.count("\n") == 1 and says in err
    assert taken.read_text() == "mine"


def test_reports_that_are_a_file_or_hold_no_report_are_refused(tmp_path: Path, capsys) -> None:
    out = tmp_path / "site"
    (tmp_path / "notes.txt").write_text("")
    assert main(["--out", str(out), "--reports", str(tmp_path / "notes.txt")]) == 2
    assert "--reports" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["--out", str(out), "--reports", str(tmp_path / "empty")]) == 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no week's report" in err and "make week01" in err
    assert not out.exists()
