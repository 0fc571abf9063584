"""Every week's notebook: its shape (quick, no kernel) and, marked `notebook`, its execution.

A notebook (notebooks/weekNN.py, jupytext percent format) walks through the week's main project
at fast size by importing the week's own modules; it holds no code of its own to drift from them
(no `def` or `class`), and it imports no other week's package unless the week's own package
imports that module (a capstone reusing an earlier week's library).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from shared.paths import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
WEEK_PACKAGES = {
    int(p.parent.name[4:6]): p.parent.name for p in REPO_ROOT.glob("week[0-9][0-9]_*/__main__.py")
}
PRESENT = sorted(NOTEBOOKS.glob("week*.py"))
WEEK_MODULE = re.compile(r"week\d\d_\w+")


def imported(tree: ast.AST) -> list[str]:
    """Every module an import statement names (for `from a import b`: `a` and `a.b`)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def code_of(notebook: nbformat.NotebookNode) -> str:
    """The notebook's code cells as one Python source, magics (`%matplotlib inline`) as calls."""
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    return "\n\n".join(TransformerManager().transform_cell(source) for source in cells)


def reused_by(package: str) -> set[str]:
    """The other weeks' library modules a week's own package imports (what its notebook may too)."""
    names = set()
    for path in (REPO_ROOT / package).rglob("*.py"):
        names |= set(imported(ast.parse(path.read_text(), filename=str(path))))
    return {
        name
        for name in names
        if WEEK_MODULE.match(name) and not name.startswith(package) and ".projects" not in name
    }


def week_of(path: Path) -> int:
    """The week number a notebook's file name (weekNN.py) gives."""
    return int(path.stem[4:])


def test_every_week_has_exactly_one_notebook() -> None:
    expected = {f"week{week:02d}.py" for week in WEEK_PACKAGES}
    present = {p.name for p in NOTEBOOKS.glob("*.py")}
    assert len(WEEK_PACKAGES) == 24
    assert sorted(expected - present) == [], "weeks without a notebook"
    assert sorted(present - expected) == [], "notebooks named for no week (weekNN.py)"


def test_every_week_readme_links_its_notebook() -> None:
    missing = [
        package
        for week, package in sorted(WEEK_PACKAGES.items())
        if f"Notebook: [notebooks/week{week:02d}.py](../notebooks/week{week:02d}.py)"
        not in (REPO_ROOT / package / "README.md").read_text()
    ]
    assert missing == []


@pytest.mark.parametrize("path", PRESENT, ids=lambda p: p.stem)
def test_notebook_is_a_python3_jupytext_notebook_with_prose_and_code(path: Path) -> None:
    notebook = jupytext.read(path)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert notebook.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
    assert kinds[0] == "markdown", "a notebook opens with its title and what it does"
    assert notebook.cells[0].source.startswith(f"# Week {week_of(path):02d} — ")
    assert kinds.count("markdown") >= 3 and kinds.count("code") >= 3


@pytest.mark.parametrize("path", PRESENT, ids=lambda p: p.stem)
def test_notebook_defines_no_function_or_class(path: Path) -> None:
    tree = ast.parse(code_of(jupytext.read(path)), filename=str(path))
    defined = [
        f"line {node.lineno}: {node.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    assert defined == [], "a notebook imports the week's code instead of defining its own"


@pytest.mark.parametrize("path", PRESENT, ids=lambda p: p.stem)
def test_notebook_imports_its_week_shared_and_installed_libraries_only(path: Path) -> None:
    package = WEEK_PACKAGES[week_of(path)]
    allowed = reused_by(package)
    names = imported(ast.parse(code_of(jupytext.read(path)), filename=str(path)))
    foreign = [
        name
        for name in names
        if WEEK_MODULE.match(name)
        and name.split(".")[0] != package
        and name not in allowed
        and name.rsplit(".", 1)[0] not in allowed
    ]
    assert foreign == [], f"imports of other weeks that {package} itself does not import"
    missing = sorted({n.split(".")[0] for n in names} - {"shared"} - set(WEEK_PACKAGES.values()))
    assert [n for n in missing if importlib.util.find_spec(n) is None] == []


def test_the_import_check_allows_a_capstones_reused_libraries_only() -> None:
    reused = reused_by("week22_capstone")
    assert "week07_pipelines.loan" in reused
    assert [name for name in reused if ".projects" in name] == []
    assert reused_by("week01_eda") == set()


def error_cell(notebook: nbformat.NotebookNode) -> str:
    """The first cell with an error output: its source, then the error's name and message."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return f"cell {index}:\n{cell.source}\n{output.ename}: {output.evalue}"
    return "no cell holds the error"


@pytest.mark.notebook
@pytest.mark.parametrize("path", PRESENT, ids=lambda p: p.stem)
def test_notebook_runs_without_an_error_cell(path: Path) -> None:
    notebook = jupytext.read(path)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO_ROOT)}},
    )
    try:
        client.execute()
    except CellExecutionError:
        pytest.fail(f"{path.name} failed in {error_cell(notebook)}", pytrace=False)
    shown = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert shown, "a notebook shows its plots inline"
