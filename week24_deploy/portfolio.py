"""The portfolio site: every week's README, report and figures, and the results table, as MkDocs.

`python -m week24_deploy portfolio` (`make portfolio`) lays the pages out under OUT/docs and
builds OUT/site with MkDocs and the Material theme in strict mode, so a link to a page, image or
anchor that does not exist fails the build. Pages: the root README (home), the results table,
one page per week (its README) and one per project of the week (that project's section of the
latest report: the full run's, else the smoke run's), so each capstone project has its own page.

Links are rewritten for the site: a README or report link becomes the page that holds it, a
figure the copied image; a link to a source file becomes `path` text, or, with --source-url,
a link into the hosted repository (e.g. https://github.com/you/ml-roadmap/blob/main).

The command refuses, with one line, an --out that is not a writable folder (exit 5) and a
--reports that is a file (exit 2) or holds no week's report (exit 5): a site of READMEs
without a single result is not a portfolio.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.atomic import write_text_atomic
from shared.cli import command_error
from shared.paths import REPO_ROOT, REPORTS_DIR
from shared.results import results_table

LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
SECTION = re.compile(r"^## (.+?) \(`(\w+)`\)\s*$", re.M)
WEEK_DIR = re.compile(r"^week(\d\d)_\w+$")
DEFAULT_OUT = REPORTS_DIR / "portfolio"


@dataclass
class Site:
    """Where each repository file lands in the docs (repo path -> docs path), and the nav."""

    docs: Path
    root: Path = REPO_ROOT
    pages: dict[Path, str] = field(default_factory=dict)
    nav: list = field(default_factory=list)


@dataclass(frozen=True)
class Week:
    """One week package: its number, folder, README title and latest report (if any)."""

    number: int
    folder: Path
    title: str
    report: Path | None


def find_weeks(root: Path, reports: Path) -> list[Week]:
    """Every weekNN_* folder with a README.md, in week order, with its latest report."""
    weeks = []
    for folder in sorted(p for p in root.iterdir() if WEEK_DIR.match(p.name)):
        readme = folder / "README.md"
        if not readme.is_file():
            continue
        number = int(WEEK_DIR.match(folder.name).group(1))
        first = readme.read_text(encoding="utf-8").lstrip().splitlines()[0]
        title = first.lstrip("# ").strip() or folder.name
        candidates = [reports / f"week{number:02d}{s}" / "report.md" for s in ("", "-fast")]
        report = next((p for p in candidates if p.is_file()), None)
        weeks.append(Week(number, folder, title, report))
    return weeks


def split_report(text: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Split a report into its header and (project, title, section) per `## Title (`project`)`."""
    matches = list(SECTION.finditer(text))
    if not matches:
        return text, []
    sections = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[m.end() : end].strip()
        sections.append((m.group(2), m.group(1), f"# {m.group(1)}\n\n{body}\n"))
    return text[: matches[0].start()].strip(), sections


def rewrite_links(text: str, source: Path, page: str, site: Site, source_url: str | None) -> str:
    """Point the relative links of `text` (from the file `source`) at the site's pages/images."""

    def replace(m: re.Match) -> str:
        bang, label, target = m.groups()
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return m.group(0)
        path, _, anchor = target.partition("#")
        resolved = (source.parent / path).resolve()
        if resolved in site.pages:
            href = os.path.relpath(site.pages[resolved], Path(page).parent)
            if anchor and not site.pages[resolved].endswith("index.md"):
                href += f"#{anchor}"
            return f"{bang}[{label}]({Path(href).as_posix()})"
        try:
            repo_path = resolved.relative_to(site.root.resolve()).as_posix()
        except ValueError:
            repo_path = path
        if source_url and not bang and (site.root / repo_path).exists():
            return f"[{label}]({source_url.rstrip('/')}/{repo_path})"
        if label.strip("`") in (repo_path, Path(repo_path).name, ""):
            return f"`{repo_path}`"
        return f"{label} (`{repo_path}`)"

    return LINK.sub(replace, text)


def copy_figures(report: Path, into: Path, site: Site) -> int:
    """Copy a report's figures next to its pages and register them; return how many."""
    figures = report.parent / "figures"
    if not figures.is_dir():
        return 0
    into.mkdir(parents=True, exist_ok=True)
    count = 0
    for image in sorted(figures.glob("*.png")):
        shutil.copy2(image, into / image.name)
        site.pages[image.resolve()] = (into / image.name).relative_to(site.docs).as_posix()
        count += 1
    return count


def plan_week(week: Week, site: Site) -> list[tuple[Path, str, str]]:
    """Register the week's pages; return (source, docs page, markdown) to write."""
    slug = f"week{week.number:02d}"
    readme = (week.folder / "README.md").resolve()
    site.pages[readme] = f"{slug}/index.md"
    pages = [(readme, f"{slug}/index.md", readme.read_text(encoding="utf-8"))]
    nav: list = [{"Overview": f"{slug}/index.md"}]
    if week.report is not None:
        site.pages[week.report.resolve()] = f"{slug}/index.md"
        copy_figures(week.report, site.docs / slug / "figures", site)
        header, sections = split_report(week.report.read_text(encoding="utf-8"))
        run = "smoke run (`--fast`)" if week.report.parent.name.endswith("-fast") else "full run"
        links = "\n".join(f"- [{title}]({project}.md)" for project, title, _ in sections)
        pages[0] = (
            readme,
            pages[0][1],
            f"{pages[0][2].rstrip()}\n\n## Latest results ({run})\n\n{links}\n",
        )
        for project, title, body in sections:
            page = f"{slug}/{project}.md"
            pages.append((week.report.resolve(), page, f"{body}\n_{header.splitlines()[0]}_\n"))
            nav.append({title: page})
    site.nav.append({f"Week {week.number}: {week.title.split('—')[-1].strip()}": nav})
    return pages


def lay_out(
    docs: Path, root: Path = REPO_ROOT, reports: Path = REPORTS_DIR, source_url: str | None = None
) -> Site:
    """Write every page and image of the site under `docs` (emptied first)."""
    shutil.rmtree(docs, ignore_errors=True)
    docs.mkdir(parents=True)
    site = Site(docs, root)
    readme = (root / "README.md").resolve()
    site.pages[readme] = "index.md"
    site.nav = [{"Home": "index.md"}, {"Results": "results.md"}]
    pages = [(readme, "index.md", readme.read_text(encoding="utf-8"))]
    results = "# Results\n\nOne row per project of every week's latest full run.\n\n"
    pages.append((readme, "results.md", results + results_table(reports) + "\n"))
    for week in find_weeks(root, reports):
        pages += plan_week(week, site)
    for source, page, text in pages:
        write_text_atomic(docs / page, rewrite_links(text, source, page, site, source_url))
    return site


def mkdocs_config(site: Site, site_dir: Path) -> str:
    """The generated mkdocs.yml: Material (no web fonts: the site works offline), strict links."""
    import yaml

    config = {
        "site_name": "ml-roadmap portfolio",
        "site_description": "Runnable, tested solutions to a 24-week ML/DL roadmap",
        "docs_dir": str(site.docs),
        "site_dir": str(site_dir),
        "strict": True,
        "use_directory_urls": False,
        "theme": {
            "name": "material",
            "font": False,
            "features": ["navigation.sections", "navigation.top", "search.highlight"],
            "palette": {"primary": "indigo"},
        },
        "markdown_extensions": ["tables", "admonition", "toc", "pymdownx.superfences"],
        "validation": {
            "omitted_files": "warn",
            "absolute_links": "warn",
            "unrecognized_links": "warn",
            "anchors": "warn",
        },
        "nav": site.nav,
    }
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def build(
    out: Path, root: Path = REPO_ROOT, reports: Path = REPORTS_DIR, source_url: str | None = None
) -> Path:
    """Lay out the docs and build the site with `mkdocs build --strict`; return index.html."""
    site = lay_out(out / "docs", root, reports, source_url)
    config = out / "mkdocs.yml"
    write_text_atomic(config, mkdocs_config(site, out / "site"))
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-q", "-f", str(config)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mkdocs build --strict failed:\n{done.stderr[-4000:]}")
    return out / "site" / "index.html"


def broken_references(site_dir: Path, exists: Callable[[Path], bool] = Path.is_file) -> list[str]:
    """Every href/src in the built HTML that points at a local file that is not there.

    404.html is left out: it is served at any missing address, so its links are root-absolute.
    """
    attribute = re.compile(r"""(?:href|src)="([^"#?]+)[^"]*\"""")
    broken = []
    for html in sorted(p for p in site_dir.rglob("*.html") if p.name != "404.html"):
        for target in attribute.findall(html.read_text(encoding="utf-8")):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("//"):
                continue
            path = (html.parent / target).resolve()
            if path.is_dir():
                path = path / "index.html"
            if not exists(path):
                broken.append(f"{html.relative_to(site_dir)} -> {target}")
    return broken


def check_out(out: Path) -> tuple[int, str] | None:
    """(exit code, why) when `out` cannot hold the site; None when it can."""
    if out.exists() and not out.is_dir():
        return 5, f"--out {out} is a file; give a folder for the site"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        return 5, f"--out {out} is not a writable folder: {exc.strerror or exc}"
    return None


def check_reports(reports: Path, root: Path = REPO_ROOT) -> tuple[int, str] | None:
    """(exit code, why) when `reports` holds no week's report to publish; None when it does."""
    if reports.exists() and not reports.is_dir():
        return 2, f"--reports {reports} is a file; give the folder the runs write reports to"
    if not reports.is_dir() or not any(week.report for week in find_weeks(root, reports)):
        return 5, (
            f"no week's report in {reports}: run a week first (`make week01`, or `make all`), "
            "or point --reports at the folder the runs wrote"
        )
    return None


def main(argv: list[str]) -> int:
    """`python -m week24_deploy portfolio [--out DIR] [--source-url URL]`: build the site."""
    parser = argparse.ArgumentParser(
        prog="python -m week24_deploy portfolio",
        description="Build the portfolio site (MkDocs + Material, strict link checking) from "
        "every week's README, latest report and figures.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"(default {DEFAULT_OUT})")
    parser.add_argument("--reports", type=Path, default=REPORTS_DIR, help="where reports live")
    parser.add_argument(
        "--source-url", help="link source files here, e.g. https://github.com/you/repo/blob/main"
    )
    args = parser.parse_args(argv)
    refused = check_reports(args.reports) or check_out(args.out)
    if refused:
        code, message = refused
        command_error(message)  # the one `error:` line every command prints
        return code
    try:
        index = build(args.out, reports=args.reports, source_url=args.source_url)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    broken = broken_references(index.parent)
    if broken:
        print("error: broken links in the built site:\n  " + "\n  ".join(broken), file=sys.stderr)
        return 1
    print(f"portfolio built: {index} (open it in a browser; no server needed)")
    return 0
