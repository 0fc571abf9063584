"""Sub-commands share the week commands' exit codes and one-line errors (shared.cli)."""

from __future__ import annotations

import argparse

import pytest

from shared.cli import EnvironmentProblem, port, run_command
from shared.registry import DatasetError


def needs_a_free_port(argv: list[str]) -> int:
    """A sub-command whose environment is wrong."""
    raise EnvironmentProblem("cannot listen on 127.0.0.1:8018: Address already in use")


def needs_data(argv: list[str]) -> int:
    """A sub-command whose data cannot be had."""
    raise DatasetError("cannot use the cache for dataset 'toy' at /c/toy: Permission denied")


@pytest.mark.parametrize(
    ("function", "code", "words"),
    [("needs_a_free_port", 5, "Address already in use"), ("needs_data", 4, "'toy'")],
)
def test_a_sub_command_s_refusal_is_one_line_and_its_documented_code(
    function: str, code: int, words: str, capsys
) -> None:
    assert run_command(f"{__name__}:{function}", []) == code
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ") and words in line


@pytest.mark.parametrize("text", ["0", "-1", "65536", "70000", "8o18", ""])
def test_port_refuses_what_no_server_can_listen_on(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        port(text)


def test_port_accepts_1_to_65535() -> None:
    assert [port(t) for t in ("1", "8018", "65535")] == [1, 8018, 65535]
