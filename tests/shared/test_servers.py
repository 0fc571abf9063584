"""shared.servers: a real child process started, waited for, stopped; failures quote its output."""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path

import pytest

from shared.servers import (
    LOOPBACK,
    ServerNotReady,
    ServerProcess,
    answers,
    free_port,
    wait_until,
)


def http_server(port: int, folder: Path) -> list[str]:
    """Python's own file server on `port`: GET / answers 200 once it listens."""
    return [sys.executable, "-m", "http.server", str(port), "--bind", LOOPBACK, "-d", str(folder)]


def test_a_server_is_started_waited_for_restarted_and_stopped(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    with ServerProcess(http_server(port, tmp_path), url, health="/") as server:
        assert answers(url + "/") and server.running()
        assert server.stop() == -signal.SIGTERM and not answers(url + "/", timeout=0.5)
        assert server.start() >= 0 and answers(url + "/")
        log = server.log
    assert not server.running() and not log.exists()


def test_a_server_that_exits_fails_with_its_output(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; print('no model here'); sys.exit(2)"]
    server = ServerProcess(command, f"http://{LOOPBACK}:{free_port()}")
    with (
        pytest.raises(ServerNotReady, match=r"stopped before it was ready(.|\n)*no model here"),
        server,
    ):
        pass
    assert server.process.returncode == 2 and server.log is None


def test_env_is_added_to_the_environment_unless_it_is_the_whole_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SERVERS_TEST_INHERITED", "inherited")
    code = "import os; print(os.environ.get('SERVERS_TEST_INHERITED'), os.environ['ADDED'])"
    command = [sys.executable, "-c", code]
    for inherit, printed in ((True, "inherited added"), (False, "None added")):
        server = ServerProcess(
            command, "http://127.0.0.1:1", env={"ADDED": "added"}, inherit=inherit
        )
        with pytest.raises(ServerNotReady, match=printed):
            server.start()
        server.close()


def test_a_server_that_never_answers_is_killed_at_the_deadline(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import time; print('loading', flush=True); time.sleep(60)"]
    server = ServerProcess(command, f"http://{LOOPBACK}:{free_port()}", timeout=1)
    with pytest.raises(ServerNotReady, match=r"not ready within 1 s(.|\n)*loading"):
        server.start()
    assert not server.running()
    server.close()


def test_answers_is_false_where_nothing_listens_and_for_an_error_status(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        closed = sock.getsockname()[1]
    assert not answers(f"http://{LOOPBACK}:{closed}/health", timeout=0.5)
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    with ServerProcess(http_server(port, tmp_path), url, health="/"):
        assert not answers(url + "/missing.txt")


def test_wait_until_names_what_and_quotes_the_output() -> None:
    with pytest.raises(
        ServerNotReady, match=r"^db stopped before it was ready; its output ends:\nbye"
    ):
        wait_until(lambda: False, "db", 30, alive=lambda: False, output=lambda: "bye")
    wait_until(iter([False, True]).__next__, "db", 30, interval=0.01)
