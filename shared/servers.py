"""A server in its own process: start it, wait until it answers, stop it.

Tests, benchmarks, screenshots and the week 18 and 23 runs all start a service as a user would
(`python -m PACKAGE serve ...`) and must know when it is ready. `ServerProcess` is the one way:
it starts the command with its output in a file (a chatty server never blocks on a full pipe),
`start` then polls the health URL until a deadline, and a server that exits or never answers
raises `ServerNotReady` quoting the end of its output; `stop` sends SIGTERM (`kill` SIGKILL, as
a power cut would), and a stopped server can be started again (a restart test). `wait_until`
is the deadline loop itself, which the container tests reuse with `docker inspect` and
`docker logs` as the liveness check and the output.

Only the standard library: the service images read shared/apps.py, whose probes use `answers`,
without an HTTP client installed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from shared.paths import REPO_ROOT

LOOPBACK = "127.0.0.1"
OUTPUT_TAIL = 3000  # characters of a failed server's output quoted in the error
# Loopback health checks go straight to the server, never through an http_proxy of the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerNotReady(RuntimeError):
    """A server exited or did not answer its health check in time; the message quotes its output."""


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on `host` right now (for a server in another process)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def answers(url: str, timeout: float = 2.0) -> bool:
    """True when `url` answers 200 right now; False for any other status or no answer."""
    try:
        with _DIRECT.open(url, timeout=timeout) as reply:
            return reply.status == 200
    except (OSError, ValueError):  # URLError, HTTPError, timeouts and refused connections
        return False


def wait_until(
    ready: Callable[[], bool],
    what: str,
    seconds: float,
    alive: Callable[[], bool] = lambda: True,
    output: Callable[[], str] = lambda: "",
    interval: float = 0.2,
) -> None:
    """Poll `ready` until it is true; ServerNotReady naming `what` and quoting `output()` when
    `alive()` turns false or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while not ready():
        if not alive():
            reason = "stopped before it was ready"
        elif time.monotonic() > deadline:
            reason = f"was not ready within {seconds:.0f} s"
        else:
            time.sleep(interval)
            continue
        tail = output()[-OUTPUT_TAIL:].strip() or "(no output)"
        raise ServerNotReady(f"{what} {reason}; its output ends:\n{tail}")


class ServerProcess:
    """`command` in a child process with `env` added, serving on `url`, healthy once `url` +
    `health` answers 200; with `inherit=False`, `env` is its whole environment.

    Use it as a context manager: entering starts it and waits for health, leaving stops it.
    """

    def __init__(
        self,
        command: Sequence[str],
        url: str,
        health: str = "/health",
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO_ROOT,
        timeout: float = 60.0,
        inherit: bool = True,
    ) -> None:
        self.command, self.url, self.cwd = list(command), url, cwd
        self.health_url = url + health
        self.timeout = timeout  # how long entering the context waits for health
        self.env = {**(os.environ if inherit else {}), **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log: Path | None = None

    def start(self) -> float:
        """Start the process (its output into a log file) and wait until it is healthy.

        Returns the seconds it took; a server can be started again after `stop`.
        """
        self._remove_log()
        fd, log = tempfile.mkstemp(prefix="ml-roadmap-server-", suffix=".log")
        self.log = Path(log)
        try:
            # A session of its own: one signal reaches the server and any child it started.
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=fd,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            os.close(fd)  # the child has its own copy
        return self.wait_healthy()

    def running(self) -> bool:
        """True while the process is alive."""
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        """What the server has written so far."""
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def wait_healthy(self, timeout: float | None = None) -> float:
        """Wait until the health URL answers 200; return the seconds it took.

        Raises ServerNotReady with the end of the server's output (after stopping it) when it
        exits or does not answer within `timeout` (default: the one given at construction).
        """
        start = time.monotonic()
        what = f"the server `{' '.join(self.command[1:])}`"
        seconds = self.timeout if timeout is None else timeout
        try:
            wait_until(lambda: answers(self.health_url), what, seconds, self.running, self.output)
        except ServerNotReady:
            self.kill()
            raise
        return time.monotonic() - start

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM and wait: the server shuts down as under a process manager; its exit code."""
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        """SIGKILL: no clean-up runs, as when a machine loses power to the process."""
        return self._signal(signal.SIGKILL, 30.0)

    def _signal(self, number: signal.Signals, timeout: float) -> int | None:
        """Send `number` to the server's process group; wait for the server's exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, number)
        return self.process.wait(timeout=timeout)

    def __enter__(self) -> ServerProcess:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the server and remove its log."""
        try:
            self.stop()
        finally:
            self._remove_log()

    def _remove_log(self) -> None:
        if self.log is not None:
            self.log.unlink(missing_ok=True)
            self.log = None
