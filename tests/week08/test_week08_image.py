"""Week 8's Docker image, run for real: PostgreSQL and the API on a private network, the API called
through a port on 127.0.0.1, both stopped afterwards. .ci/docker.sh (or `make docker`) builds the
images; without a Docker daemon or those images, every test here skips and says why."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from docker_support import docker, wait_until, why_not_runnable
from week08_support import PASSENGER

from shared.api import API_KEY_HEADER
from shared.servers import answers

API_IMAGE = os.environ.get("WEEK08_API_IMAGE", "ml-roadmap-api")
DB_IMAGE = os.environ.get("WEEK08_DB_IMAGE", "ml-roadmap-postgres")
# The role, password and database that .ci/docker.sh's image holds; the same variables make the
# official postgres image create them.
DB_ENV = {
    "POSTGRES_USER": "ml_roadmap",
    "POSTGRES_PASSWORD": "ml_roadmap",
    "POSTGRES_DB": "ml_roadmap",
}
DATABASE_URL = "postgresql+psycopg://ml_roadmap:ml_roadmap@db:5432/ml_roadmap"
START_SECONDS = 90


def db_ready(container: str) -> bool:
    """True once PostgreSQL in `container` accepts connections."""
    probe = ["docker", "exec", container, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "ml_roadmap"]
    return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0


@pytest.fixture(scope="module")
def service() -> Iterator[dict[str, str]]:
    """PostgreSQL and the API started on a fresh private network; both removed afterwards."""
    reason = why_not_runnable(API_IMAGE, DB_IMAGE)
    if reason:
        pytest.skip(reason)
    tag = secrets.token_hex(4)
    network, db, api = (f"ml-roadmap-test-{tag}{part}" for part in ("", "-db", "-api"))
    key = secrets.token_urlsafe(24)
    docker("network", "create", network)
    try:
        db_env = [arg for name, value in DB_ENV.items() for arg in ("-e", f"{name}={value}")]
        named = f"--name {db} --network {network} --network-alias db".split()
        docker("run", "-d", *named, *db_env, DB_IMAGE)
        wait_until(lambda: db_ready(db), "PostgreSQL did not start", db, START_SECONDS)
        publish = f"--name {api} --network {network} -p 127.0.0.1::8000".split()
        settings = ["-e", f"DATABASE_URL={DATABASE_URL}", "-e", f"ML_ROADMAP_API_KEY={key}"]
        docker("run", "-d", *publish, *settings, API_IMAGE)
        host_port = docker("port", api, "8000/tcp").splitlines()[0]
        assert host_port.startswith("127.0.0.1:"), f"the API is published on {host_port}"
        base_url = f"http://{host_port}"
        wait_until(
            lambda: answers(f"{base_url}/health"),
            "the API did not answer /health",
            api,
            START_SECONDS,
        )
        yield {"url": base_url, "key": key, "container": api}
    finally:
        for container in (api, db):
            subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)
        docker("network", "rm", network)


def test_health_reports_the_model_and_postgresql(service: dict[str, str]) -> None:
    health = httpx.get(f"{service['url']}/health", timeout=10)
    assert health.status_code == 200, health.text
    body = health.json()
    assert body["status"] == "ok" and body["database"] == "postgresql" and body["model_version"]


def test_an_authenticated_prediction_is_stored_and_read_back(service: dict[str, str]) -> None:
    url, key = service["url"], {API_KEY_HEADER: service["key"]}
    refused = httpx.post(f"{url}/predictions", json=PASSENGER, timeout=10)
    assert refused.status_code == 401, refused.text
    created = httpx.post(f"{url}/predictions", json=PASSENGER, headers=key, timeout=10)
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["survived"] in (0, 1) and 0.0 <= record["probability"] <= 1.0
    assert record["passenger"]["fare"] == PASSENGER["fare"]
    again = httpx.get(f"{url}{created.headers['Location']}", headers=key, timeout=10)
    assert again.status_code == 200 and again.json() == record


def test_the_image_runs_python_3_11_as_an_unprivileged_user(service: dict[str, str]) -> None:
    probe = "import os, sys; print(os.getuid(), sys.version_info[:2])"
    out = docker("exec", service["container"], "python", "-c", probe)
    assert out == "10001 (3, 11)", out
