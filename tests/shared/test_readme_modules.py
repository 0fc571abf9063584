"""The root README lists every module of shared/, and only modules that exist."""

from __future__ import annotations

import re

from shared.paths import REPO_ROOT


def test_the_readme_lists_every_shared_module_once() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([a-z_]+\.py)` \|", readme, re.M)
    modules = sorted(p.name for p in (REPO_ROOT / "shared").glob("*.py") if p.name != "__init__.py")
    assert sorted(listed) == modules
