"""week24_deploy/docker/compose.yaml holds no password (it reads POSTGRES_PASSWORD from an env file
or the shell), runs every container, the one-shot model jobs too, as the image's own user, and
gives week 22's torch-free services the ONNX exports the host's runs saved, read-only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from shared.paths import REPO_ROOT

DOCKER = REPO_ROOT / "week24_deploy" / "docker"
COMPOSE = DOCKER / "compose.yaml"
ENV_FILE = DOCKER / "postgres.env"


def services() -> dict[str, dict]:
    """The compose file's services, as parsed YAML (interpolations left as written)."""
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_no_password_is_written_in_the_compose_file() -> None:
    env = services()["db"]["environment"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", env["POSTGRES_PASSWORD"])
    urls = [s.get("environment", {}).get("DATABASE_URL", "") for s in services().values()]
    urls = [u for u in urls if u.startswith("postgresql")]
    assert len(urls) == 4
    assert all(":${POSTGRES_PASSWORD}@db:" in u for u in urls), urls
    assert "ml_roadmap:ml_roadmap" not in COMPOSE.read_text()


def test_the_env_file_gives_a_local_default_and_stays_out_of_images() -> None:
    values = dict(
        line.split("=", 1)
        for line in ENV_FILE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(values) == {"POSTGRES_PASSWORD"} and values["POSTGRES_PASSWORD"]
    assert "--env-file week24_deploy/docker/postgres.env" in COMPOSE.read_text()
    assert "week24_deploy/docker/*.env" in (REPO_ROOT / ".dockerignore").read_text().splitlines()


def test_every_container_runs_as_the_images_unprivileged_user() -> None:
    assert [name for name, s in services().items() if "user" in s] == []
    dockerfile = (DOCKER / "Dockerfile").read_text()
    chown = re.search(r"chown app ([^\n]+)", dockerfile).group(1).split()
    assert {"/data", "/data/cache", "/models"} <= set(chown)
    assert "USER 10001" in dockerfile
    writers = [
        s
        for s in services().values()
        if any(":/models" in v and not v.endswith(":ro") for v in s.get("volumes", []))
    ]
    assert len(writers) == 2  # the two model jobs write /models, as uid 10001


def compose_config(*options: str) -> subprocess.CompletedProcess:
    """`docker compose [options] -f compose.yaml config -q`, without POSTGRES_PASSWORD in the env."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client here (.ci/docker.sh installs one)")
    env = {k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"}
    command = [docker, "compose", *options, "-f", str(COMPOSE), "config", "-q"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**env, "ML_ROADMAP_API_KEY": "compose-config-check"},
        timeout=60,
    )
    if "is not a docker command" in done.stderr or "unknown flag" in done.stderr:
        pytest.skip("the docker client has no compose plugin")
    return done


def test_compose_reads_the_password_from_the_env_file_or_says_how() -> None:
    assert compose_config("--env-file", str(ENV_FILE)).returncode == 0
    without = compose_config()
    assert without.returncode != 0 and "--env-file week24_deploy/docker/postgres.env" in (
        without.stderr
    )


def test_week22s_torch_free_services_read_the_hosts_onnx_exports_read_only() -> None:
    mask = services()["face-mask"]
    assert mask["image"] == "ml-roadmap-face-mask" and mask["ports"] == ["127.0.0.1:8023:8023"]
    assert mask["build"]["args"]["REQUIREMENTS"].endswith("requirements-mask.txt")
    assert mask["environment"]["ML_ROADMAP_API_KEY"].startswith("${ML_ROADMAP_API_KEY:?")
    assert "${WEEK22_MASK_MODELS:-../../reports/week13/models}:/models:ro" in mask["volumes"]
    transformer = "${WEEK22_TRANSFORMER_DIR:-../../reports/week15/models/minilm_tweets}"
    assert f"{transformer}:/transformer:ro" in services()["sentiment"]["volumes"]
