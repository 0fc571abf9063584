"""`serve`'s refusals: each one line with a documented exit code (shared.cli), no traceback."""

from __future__ import annotations

import socket

import pytest
from week18_support import KEY

from shared.api import LOOPBACK
from shared.cli import EXIT_CODES, run_week
from week18_databases import __main__ as week18
from week24_deploy import __main__ as week24


def week(module, argv: list[str]) -> int:
    """Run a week's front door in-process; an argparse refusal's SystemExit becomes its code."""
    try:
        return run_week(module.WEEK, module.TITLE, module.PROJECTS, argv, module.COMMANDS)
    except SystemExit as exc:
        return int(exc.code)


def one_error_line(err: str) -> str:
    """The stderr of a refusal: one `error:` line and no traceback."""
    assert "Traceback" not in err, err
    [line] = [x for x in err.splitlines() if "error:" in x]
    return line


@pytest.mark.parametrize("value", ["70000", "-1", "0", "eighty"])
@pytest.mark.parametrize("command", [(week18, ["serve"]), (week24, ["serve", "hub"])])
def test_a_port_out_of_range_is_a_usage_error(command, value: str, capsys) -> None:
    module, argv = command
    assert week(module, [*argv, "--port", value]) == 2
    assert "--port" in one_error_line(capsys.readouterr().err)


@pytest.fixture
def busy_port():
    """A loopback port another socket is listening on."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_busy_port_is_an_environment_problem(
    busy_port: int, models_dir, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("ML_ROADMAP_API_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    argv = ["serve", "--models", str(models_dir), "--port", str(busy_port)]
    assert week(week18, argv) == 5 and "environment" in EXIT_CODES[5]
    line = one_error_line(capsys.readouterr().err)
    assert f"{LOOPBACK}:{busy_port}" in line and "in use" in line
    assert week(week24, ["serve", "hub", "--port", str(busy_port)]) == 5
    assert "in use" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_an_unreachable_server_is_one_line_without_its_password(
    scheme: str, models_dir, monkeypatch, capsys
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind((LOOPBACK, 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("ML_ROADMAP_API_KEY", KEY)
    monkeypatch.setenv("DATABASE_URL", f"{scheme}://me:s3cret@{LOOPBACK}:{closed}/db")
    argv = ["serve", "--models", str(models_dir), "--port", "8018"]
    assert week(week18, argv) == 5
    line = one_error_line(capsys.readouterr().err)
    assert "cannot reach the database" in line and str(closed) in line
    assert "s3cret" not in line
