"""What the container tests share: the docker client, why images cannot run, waiting for one
(`shared.servers.wait_until`, with the container's state and log).

Weeks 8 and 24 build images in CI (.ci/docker.sh) and run them here; without a Docker client,
daemon or the built images their tests skip with the reason `why_not_runnable` gives.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest

from shared import servers


def docker(*args: str, timeout: float = 60) -> str:
    """Run the docker client and return its output; a failure raises with docker's own message."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


def why_not_runnable(*images: str) -> str | None:
    """Why `images` cannot run here (no client, no daemon, not built), or None when they can."""
    if shutil.which("docker") is None:
        return "no docker client on PATH (.ci/docker.sh installs Debian's docker.io)"
    try:
        docker("info", "--format", "{{.ServerVersion}}", timeout=20)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return f"no Docker daemon answers ({exc}); .ci/docker.sh starts one"
    for image in images:
        try:
            docker("image", "inspect", image)
        except RuntimeError:
            return f"image {image} is not built: run `make docker` (.ci/docker.sh) first"
    return None


def wait_until(ready: Callable[[], bool], what: str, container: str, seconds: float) -> None:
    """Poll `ready` until true; fail with the container's log if it stops or takes too long."""
    try:
        servers.wait_until(
            ready,
            f"{what}: {container}",
            seconds,
            alive=lambda: (
                docker("inspect", "--format", "{{.State.Status}}", container) == "running"
            ),
            output=lambda: logs(container),
            interval=1.0,
        )
    except servers.ServerNotReady as exc:
        pytest.fail(str(exc))


def logs(container: str) -> str:
    """The container's log so far (its stdout and stderr)."""
    done = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
    return done.stdout + done.stderr
