"""Week 24: the GitHub workflows call only make targets that exist, and actionlint checks them.

The workflows cannot run here (no GitHub runner), so these tests check what can be checked:
every `make TARGET` they run is a target of the Makefile, the Pages workflow uploads the folder
`make portfolio` writes, and actionlint (run by `make lint`) accepts them and refuses a broken one.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from shared.paths import REPO_ROOT
from week24_deploy.portfolio import DEFAULT_OUT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
ACTIONLINT = Path(sys.executable).parent / "actionlint"
MAKE_CALL = re.compile(r"(?:^|&&|\|\||;)\s*make\s+([^;&|\n]+)", re.MULTILINE)


def load(name: str) -> dict:
    """One workflow file as a dict (YAML reads the key `on` as True)."""
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def run_scripts(workflow: dict) -> list[str]:
    """Every `run:` script of every job's steps."""
    return [
        step["run"]
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if "run" in step
    ]


def make_targets(script: str) -> list[str]:
    """The targets of every `make ...` command in a shell script (variables and flags left out)."""
    targets = []
    for call in MAKE_CALL.findall(script):
        targets += [w for w in shlex.split(call) if "=" not in w and not w.startswith("-")]
    return targets


def missing_targets(targets: list[str]) -> list[str]:
    """The targets `make -n` (dry run: nothing is built) says the Makefile has no rule for."""
    missing = []
    for target in targets:
        done = subprocess.run(
            ["make", "-n", "-C", str(REPO_ROOT), target], capture_output=True, text=True
        )
        if done.returncode != 0:
            missing.append(target)
    return missing


def test_there_is_a_test_workflow_and_a_pages_workflow() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == ["ci.yml", "pages.yml"]
    ci, pages = load("ci.yml"), load("pages.yml")
    assert "push" in ci[True]
    assert ci["jobs"]["test"]["services"]["postgres"]["image"].startswith("postgres:")
    assert ci["jobs"]["test"]["env"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    deploy = pages["jobs"]["deploy"]["steps"]
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy)
    assert pages["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_every_make_target_the_workflows_call_exists() -> None:
    called = {
        name: [t for script in run_scripts(load(name)) for t in make_targets(script)]
        for name in ("ci.yml", "pages.yml")
    }
    assert {"setup", "lint", "test"} <= set(called["ci.yml"])
    assert {"setup", "portfolio", "all"} <= set(called["pages.yml"])
    assert missing_targets(sorted({t for ts in called.values() for t in ts})) == []


def test_the_target_check_can_fail() -> None:
    assert make_targets("apt-get update && make lint FAST=1 -j2\nmake nope") == ["lint", "nope"]
    assert missing_targets(["no-such-target", "lint"]) == ["no-such-target"]


def test_pages_uploads_the_folder_make_portfolio_builds() -> None:
    steps = load("pages.yml")["jobs"]["build"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == str((DEFAULT_OUT / "site").relative_to(REPO_ROOT))


def test_actionlint_accepts_the_workflows_and_refuses_a_broken_one(tmp_path: Path) -> None:
    if not ACTIONLINT.is_file():
        pytest.fail(f"{ACTIONLINT} is missing: `make setup` installs it (the dev extra)")
    ok = subprocess.run([ACTIONLINT, *sorted(WORKFLOWS.glob("*.yml"))], capture_output=True)
    assert ok.returncode == 0, ok.stdout.decode()
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_property }}\n"
    )
    bad = subprocess.run([ACTIONLINT, broken], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "no_such_property" in bad.stdout
