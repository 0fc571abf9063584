"""What the container tests share: the docker client, why images cannot run, waiting for one.

Weeks 8 and 24 build images in CI (.ci/docker.sh) and run them here; without a Docker client,
daemon or the built images their tests skip with the reason `why_not_runnable` gives.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable

import httpx
import pytest


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
    deadline = time.monotonic() + seconds
    while not ready():
        state = docker("inspect", "--format", "{{.State.Status}}", container)
        if state != "running" or time.monotonic() > deadline:
            logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
            pytest.fail(f"{what} ({container} is {state}); its log ends:\n{logs.stderr[-3000:]}")
        time.sleep(1)


def answers(url: str) -> bool:
    """True once `url` answers 200."""
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False
