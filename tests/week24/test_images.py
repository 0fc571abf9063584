"""The service images built from week24_deploy/docker/Dockerfile, run for real: the hub with
`--network none`, week 18's service beside PostgreSQL on a private network with its models on a
read-only volume; each health-checked through a port published on 127.0.0.1. .ci/docker.sh
(`make docker`) builds the images; without a Docker daemon or the images every test skips."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from week24_deploy.apps import APPS

APP = {app.name: app for app in APPS}
IMAGES = {"hub": "ml-roadmap-hub", "loan-service": "ml-roadmap-loan-service"}
DB_IMAGE = "ml-roadmap-postgres"
DATABASE_URL = "postgresql+psycopg://ml_roadmap:ml_roadmap@db:5432/ml_roadmap"
START_SECONDS = 120


def docker(*args: str, timeout: float = 60) -> str:
    """Run the docker client and return its output; a failure raises with docker's message."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


def skip_unless_runnable(*images: str) -> None:
    """Skip the test, saying why, without a Docker client, daemon or the built images."""
    if shutil.which("docker") is None:
        pytest.skip("no docker client on PATH (.ci/docker.sh installs Debian's docker.io)")
    try:
        docker("info", "--format", "{{.ServerVersion}}", timeout=20)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"no Docker daemon answers ({exc}); .ci/docker.sh starts one")
    for image in images:
        try:
            docker("image", "inspect", image)
        except RuntimeError:
            pytest.skip(f"image {image} is not built: run `make docker` (.ci/docker.sh) first")


def wait_until(ready: Callable[[], bool], container: str) -> None:
    """Poll `ready`; fail with the container's log if it stops or takes too long."""
    deadline = time.monotonic() + START_SECONDS
    while not ready():
        state = docker("inspect", "--format", "{{.State.Status}}", container)
        if state != "running" or time.monotonic() > deadline:
            logs = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
            pytest.fail(f"{container} is {state}, not healthy; log:\n{logs.stderr[-3000:]}")
        time.sleep(1)


def answers(url: str) -> bool:
    """True once `url` answers 200."""
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def start(name: str, *options: str) -> tuple[str, str]:
    """Run the service's image detached, its port published on 127.0.0.1; return (id, url)."""
    app = APP[name]
    container = f"ml-roadmap-test-{name}-{secrets.token_hex(4)}"
    docker("run", "-d", "--name", container, "-p", f"127.0.0.1::{app.port}", *options, IMAGES[name])
    host_port = docker("port", container, f"{app.port}/tcp").splitlines()[0]
    assert host_port.startswith("127.0.0.1:"), f"{name} is published on {host_port}"
    url = f"http://{host_port}"
    try:
        wait_until(lambda: answers(f"{url}{app.health}"), container)
    except BaseException:
        remove(container)
        raise
    return container, url


def remove(*containers: str) -> None:
    """Remove containers, running or not."""
    for container in containers:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)


def exec_ok(container: str, *argv: str) -> bool:
    """True when `argv` exits 0 inside the container."""
    done = subprocess.run(["docker", "exec", container, *argv], capture_output=True, timeout=30)
    return done.returncode == 0


@pytest.fixture
def network() -> Iterator[str]:
    """A fresh private bridge network, removed afterwards."""
    name = f"ml-roadmap-test-{secrets.token_hex(4)}"
    docker("network", "create", name)
    try:
        yield name
    finally:
        docker("network", "rm", name)


def test_hub_image_runs_with_no_network_as_an_unprivileged_user() -> None:
    skip_unless_runnable(IMAGES["hub"])
    container = f"ml-roadmap-test-hub-{secrets.token_hex(4)}"
    docker("run", "-d", "--name", container, "--network", "none", IMAGES["hub"])
    try:
        health = ["python", "-m", "week24_deploy.container", "health"]
        wait_until(lambda: exec_ok(container, *health), container)
        probe = "import os, sys; print(os.getuid(), sys.version_info[:2])"
        assert docker("exec", container, "python", "-c", probe) == "10001 (3, 11)"
    finally:
        remove(container)


def test_hub_image_serves_its_page_on_127_0_0_1(network: str) -> None:
    skip_unless_runnable(IMAGES["hub"])
    container, url = start("hub", "--network", network)
    try:
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "<title>" in page.text.lower()
    finally:
        remove(container)


def test_loan_service_image_serves_models_from_a_volume_with_postgresql(
    network: str, tmp_path: Path
) -> None:
    skip_unless_runnable(IMAGES["loan-service"], DB_IMAGE)
    from week18_databases.catalog import build_models

    models = build_models(tmp_path / "models")
    for path in [models, *models.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    db = f"ml-roadmap-test-db-{secrets.token_hex(4)}"
    containers = [db]
    try:
        docker("run", "-d", "--name", db, "--network", network, "--network-alias", "db", DB_IMAGE)
        probe = ["pg_isready", "-q", "-h", "127.0.0.1", "-U", "ml_roadmap"]
        wait_until(lambda: exec_ok(db, *probe), db)
        settings = ["-e", f"DATABASE_URL={DATABASE_URL}", "-e", "ML_ROADMAP_API_KEY=" + "k" * 24]
        volume = ["-v", f"{models}:/models:ro"]
        container, url = start("loan-service", "--network", network, *settings, *volume)
        containers.append(container)
        health = httpx.get(f"{url}/health", timeout=10)
        assert health.status_code == 200 and "postgresql" in health.text, health.text
    finally:
        remove(*containers)
