"""Sizes live in data: every project picks its sizes once, `config = FAST if ctx.fast else FULL`.

Scans each week's projects/*.py with `ast` and fails on a size chosen in code instead: any
`x if ctx.fast else y` other than `FAST if ctx.fast else FULL`, and any `if ctx.fast:` block that
only assigns values with a number in them (a size picked by hand, such as a row sample).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.paths import REPO_ROOT

WEEKS = sorted(p.parent.parent.name for p in REPO_ROOT.glob("week*/projects/__init__.py"))


def is_fast_flag(node: ast.expr) -> bool:
    """True for `ctx.fast` and `not ctx.fast`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        node = node.operand
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "fast"
        and isinstance(node.value, ast.Name)
        and node.value.id == "ctx"
    )


def is_config_choice(node: ast.IfExp) -> bool:
    """True for the one allowed ternary: `FAST if ctx.fast else FULL`."""
    return (
        isinstance(node.test, ast.Attribute)
        and isinstance(node.body, ast.Name)
        and node.body.id == "FAST"
        and isinstance(node.orelse, ast.Name)
        and node.orelse.id == "FULL"
    )


def has_number(node: ast.AST) -> bool:
    """True if a literal int or float (not a bool) appears anywhere under `node`."""
    return any(
        isinstance(n, ast.Constant)
        and isinstance(n.value, int | float)
        and not isinstance(n.value, bool)
        for n in ast.walk(node)
    )


def assigns_sizes(node: ast.If) -> bool:
    """True for an `if ctx.fast:` block without else that only assigns, with a number in it."""
    assigns = (ast.Assign, ast.AugAssign, ast.AnnAssign)
    return (
        not node.orelse
        and all(isinstance(s, assigns) for s in node.body)
        and any(has_number(s) for s in node.body)
    )


def sizes_in_code(source: str) -> list[tuple[int, str]]:
    """Return (line, code) of every size picked from ctx.fast in code rather than in a config."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.IfExp) and is_fast_flag(node.test) and not is_config_choice(node):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.If) and is_fast_flag(node.test) and assigns_sizes(node):
            found.append((node.lineno, ast.unparse(node).splitlines()[0]))
    return found


def test_the_scan_finds_every_week_with_projects() -> None:
    """The parametrisation below must not silently run on nothing."""
    assert len(WEEKS) >= 20, WEEKS


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("config = FAST if ctx.fast else FULL", []),
        ("n = 2000 if ctx.fast else None", [(1, "2000 if ctx.fast else None")]),
        ("x = photos[:6] if ctx.fast else photos", [(1, "photos[:6] if ctx.fast else photos")]),
        ("f(epochs=1 if not ctx.fast else 9)", [(1, "1 if not ctx.fast else 9")]),
        ("if ctx.fast:\n    df = df.sample(300)", [(1, "if ctx.fast:")]),
        ("if ctx.fast:\n    n = 5\nelse:\n    n = 9", []),
        ("if ctx.fast:\n    path = ctx.out", []),
        ("if not ctx.fast:\n    plot(ctx, 3)", []),
    ],
)
def test_the_scan_tells_a_size_in_code_from_a_config(
    source: str, expected: list[tuple[int, str]]
) -> None:
    """The checker flags sizes picked in code and lets the config choice and real branches through."""
    assert sizes_in_code(source) == expected


@pytest.mark.parametrize("week", WEEKS)
def test_project_sizes_live_in_a_config(week: str) -> None:
    """A project's FULL/FAST sizes are a frozen Config, not ternaries scattered through run()."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {code}"
        for path in sorted(Path(REPO_ROOT, week, "projects").glob("*.py"))
        for line, code in sizes_in_code(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, (
        "sizes picked from ctx.fast in code; declare them in the module's frozen Config "
        "(FULL/FAST) and read `config = FAST if ctx.fast else FULL` once in run():\n"
        + "\n".join(offenders)
    )
