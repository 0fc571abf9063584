"""The week contract's layout: projects are lessons, libraries are what other weeks import.

A module a week's `PROJECTS` lists lives in that week's `projects/` subpackage and is imported by
nothing outside it; what a later week reuses lives in a library module of the earlier week
(shared/CONVENTIONS.md, "Projects and libraries").
"""

import ast
import importlib
from pathlib import Path

import pytest

from shared.paths import REPO_ROOT

WEEKS = sorted(p.parent.name for p in REPO_ROOT.glob("week*/__main__.py"))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an `import` or `from ... import` statement of a file names, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


@pytest.mark.parametrize("week", WEEKS)
def test_every_project_lives_in_the_weeks_projects_subpackage(week: str) -> None:
    """PROJECTS names only modules under weekNN/projects/, so a folder tells a lesson from a library."""
    projects = importlib.import_module(f"{week}.__main__").PROJECTS
    outside = [m for m in projects.values() if not m.startswith(f"{week}.projects.")]
    assert not outside, f"{week}: projects outside {week}/projects/: {outside}"


@pytest.mark.parametrize("week", WEEKS)
def test_no_module_outside_a_projects_folder_imports_a_project(week: str) -> None:
    """Only a week's own projects (and the tests) import project modules; libraries never do."""
    offenders = []
    for path in sorted((REPO_ROOT / week).rglob("*.py")):
        if "projects" in path.relative_to(REPO_ROOT / week).parts:
            continue
        for line, module in imported_modules(path):
            if ".projects." in module or module.endswith(".projects"):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {module}")
    assert not offenders, "library modules import project modules:\n" + "\n".join(offenders)


@pytest.mark.parametrize("week", WEEKS)
def test_a_project_imports_no_other_project(week: str) -> None:
    """A project imports libraries (its week's, earlier weeks', shared/), never another project."""
    offenders = []
    for path in sorted((REPO_ROOT / week / "projects").glob("*.py")):
        own = f"{week}.projects.{path.stem}"
        for line, module in imported_modules(path):
            if ".projects." in module and not module.startswith(own):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {module}")
    assert not offenders, "projects import other projects:\n" + "\n".join(offenders)
