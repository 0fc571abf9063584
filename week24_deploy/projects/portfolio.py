"""The portfolio site: every week's README, report and figures as one static MkDocs site.

Builds the site exactly as `make portfolio` does (MkDocs + Material, `--strict`, so a link to a
missing page, image or anchor fails the build) into this run's folder, then walks the built HTML
for local links and images that point nowhere. tests/week24 opens it in headless Chromium.
"""

from __future__ import annotations

import time

from shared.bars import Bar
from shared.context import RunContext
from shared.paths import REPO_ROOT, REPORTS_DIR
from week24_deploy.portfolio import broken_references, build, find_weeks

# Issue 16: "built with strict link checking ... no broken link, every figure loads".
BARS = [
    Bar("broken_references", "<=", 0, "issue 16: no broken link in the portfolio site"),
    Bar("weeks_without_page", "<=", 0, "issue 16: a page per week"),
]


def run(ctx: RunContext) -> dict[str, float]:
    """Build the site from the current READMEs and reports; count pages, figures, broken links."""
    start = time.perf_counter()
    index = build(ctx.out / "portfolio", REPO_ROOT, REPORTS_DIR)
    seconds = time.perf_counter() - start
    site = index.parent
    weeks = find_weeks(REPO_ROOT, REPORTS_DIR)
    pages = [p for p in site.rglob("*.html") if p.name != "404.html"]
    missing = [w for w in weeks if not (site / f"week{w.number:02d}" / "index.html").is_file()]
    broken = broken_references(site)
    for line in broken[:20]:
        ctx.log(f"broken: {line}")
    with_report = sum(w.report is not None for w in weeks)
    ctx.note(
        f"`make portfolio` built {len(pages)} pages for {len(weeks)} weeks ({with_report} with a "
        f"report; the others show their README only) in {seconds:.1f} s: `portfolio/site/"
        "index.html` opens from disk, no server needed. Publish the folder with any static "
        "host (GitHub Pages: `mkdocs gh-deploy -f reports/portfolio/mkdocs.yml`)."
    )
    return {
        "pages": float(len(pages)),
        "weeks": float(len(weeks)),
        "weeks_with_report": float(with_report),
        "figures": float(len(list(site.rglob("figures/*.png")))),
        "weeks_without_page": float(len(missing)),
        "broken_references": float(len(broken)),
        "build_seconds": seconds,
    }
