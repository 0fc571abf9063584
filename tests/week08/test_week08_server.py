"""A real uvicorn process over loopback HTTP: concurrent writes, and a restart that keeps every row."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from week08_support import AUTH, KEY, PASSENGER, ROSE

from shared.api import API_KEY_ENV
from shared.paths import REPO_ROOT
from shared.servers import LOOPBACK, ServerProcess, free_port


def serve_command(*args: str) -> list[str]:
    """The `make serve` command line, with extra arguments."""
    return [sys.executable, "-m", "week08_fastapi", "serve", "--log-level", "warning", *args]


@contextmanager
def uvicorn_process(model: Path, database_url: str, timeout: float = 60.0) -> Iterator[str]:
    """Start `python -m week08_fastapi serve` on a free loopback port; yield its URL; stop it."""
    port = free_port()
    env = {"DATABASE_URL": database_url, API_KEY_ENV: KEY}
    command = serve_command("--port", str(port), "--model", str(model))
    server = ServerProcess(command, f"http://{LOOPBACK}:{port}", env=env, timeout=timeout)
    server.start()
    try:
        yield server.url
    finally:
        # uvicorn shuts down gracefully on SIGTERM, then exits by that signal (or with 0).
        assert server.stop(timeout=30) in (0, -signal.SIGTERM)
        server.close()


def test_concurrent_writes_and_restart_keep_every_row(model_path: Path, database_url: str) -> None:
    bodies = [{**(ROSE if i % 2 else PASSENGER), "age": i % 80} for i in range(200)]
    with (
        uvicorn_process(model_path, database_url) as url,
        httpx.Client(base_url=url, headers=AUTH, timeout=30) as http,
        ThreadPoolExecutor(max_workers=20) as pool,
    ):
        responses = list(pool.map(lambda body: http.post("/predictions", json=body), bodies))
        assert [r.status_code for r in responses] == [201] * 200
        ids = sorted(r.json()["id"] for r in responses)
        assert len(set(ids)) == 200
        before = http.get("/predictions", params={"limit": 100, "offset": 100}).json()
    assert before["total"] == 200
    with (
        uvicorn_process(model_path, database_url) as url,
        httpx.Client(base_url=url, headers=AUTH) as http,
    ):
        pages = [
            http.get("/predictions", params={"limit": 100, "offset": o}).json() for o in (0, 100)
        ]
        after = [row for page in pages for row in page["items"]]
        assert pages[0]["total"] == 200 and [r["id"] for r in after] == ids
        assert pages[1] == before
        stored_ages = sorted(r["passenger"]["age"] for r in after)
        assert stored_ages == sorted(float(b["age"]) for b in bodies)


def test_serve_refuses_a_missing_model_with_the_fix(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ML_ROADMAP_API_KEY": KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    missing = tmp_path / "titanic_pipeline.joblib"
    done = subprocess.run(
        serve_command("--model", str(missing)),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "make week07" in done.stderr and "Traceback" not in done.stderr


def test_serve_refuses_a_bad_setting(tmp_path: Path) -> None:
    env = {**os.environ, "ML_ROADMAP_API_KEY": KEY, "ML_ROADMAP_PUBLIC_READS": "maybe"}
    done = subprocess.run(
        serve_command("--model", str(tmp_path / "m.joblib")),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "ML_ROADMAP_PUBLIC_READS" in done.stderr
