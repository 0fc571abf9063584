"""Benchmark the week 8 API: /predict over loopback against the same pipeline called in-process.

One uvicorn worker serves the week 7 model (trained first if missing) in a subprocess; a bounded
load generator (a fixed number of requests, and a time cap) measures sequential latency p50/p99
and requests/s, then requests/s with 4 client threads. The in-process times are for the same
pipeline: `predict_proba` alone, and the API's own predict path (schema check + predict_proba).
Targets: p99 under 20 ms, and the API's per-request overhead under 10x the in-process predict.
Results go to reports/bench.json under "api".
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from shared.api import API_KEY_ENV
from shared.bench import record
from shared.paths import REPO_ROOT
from shared.servers import LOOPBACK, ServerProcess, free_port
from week07_pipelines.titanic import train_and_save
from week08_fastapi.schemas import EXAMPLE_PASSENGER, Passenger, to_frame
from week08_fastapi.served_model import load_served_model
from week08_fastapi.settings import DEFAULT_MODEL_PATH

PASSENGER = EXAMPLE_PASSENGER
WARMUP, REQUESTS, THREADS, TIME_CAP_S = 50, 1000, 4, 30.0
P99_TARGET_MS, OVERHEAD_TARGET_X = 20.0, 10.0


def in_process_ms(path: Path, n: int = 300) -> tuple[float, float]:
    """Median ms of one-row predict_proba, and of the API's predict path, in this process."""
    model = load_served_model(path)
    frame = to_frame([Passenger(**PASSENGER)])
    raw = _median_ms(lambda: model.pipeline.predict_proba(frame), n)
    served = _median_ms(lambda: model.predict(to_frame([Passenger(**PASSENGER)])), n)
    return raw, served


def _median_ms(fn, n: int) -> float:
    for _ in range(10):
        fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def start_server(path: Path, folder: Path) -> ServerProcess:
    """Start `python -m week08_fastapi serve` (one worker) and wait for /health."""
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        API_KEY_ENV: "bench-key-123",
    }
    cmd = [
        sys.executable,
        "-m",
        "week08_fastapi",
        "serve",
        "--port",
        str(port),
        "--model",
        str(path),
        "--log-level",
        "warning",
    ]
    server = ServerProcess(cmd, f"http://{LOOPBACK}:{port}", env=env)
    server.start()
    return server


def sequential(url: str) -> tuple[list[float], float]:
    """Per-request ms of back-to-back /predict calls on one keep-alive connection, and requests/s."""
    latencies = []
    with httpx.Client(base_url=url) as client:
        for _ in range(WARMUP):
            client.post("/predict", json=PASSENGER).raise_for_status()
        start = time.perf_counter()
        while len(latencies) < REQUESTS and time.perf_counter() - start < TIME_CAP_S:
            t0 = time.perf_counter()
            client.post("/predict", json=PASSENGER).raise_for_status()
            latencies.append(1000 * (time.perf_counter() - t0))
        return latencies, len(latencies) / (time.perf_counter() - start)


def concurrent(url: str) -> float:
    """Requests/s with THREADS clients sending REQUESTS / THREADS requests each."""
    per_thread = REQUESTS // THREADS

    def worker(_: int) -> int:
        with httpx.Client(base_url=url) as client:
            for _ in range(per_thread):
                client.post("/predict", json=PASSENGER).raise_for_status()
        return per_thread

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        done = sum(pool.map(worker, range(THREADS)))
    return done / (time.perf_counter() - start)


def main() -> int:
    """Run the benchmark, print and record the results."""
    path = DEFAULT_MODEL_PATH
    if not path.is_file():
        print(f"no model at {path}: training the week 7 pipeline first (as `make week07` does)")
        path = train_and_save(path.parent)
    raw_ms, served_ms = in_process_ms(path)
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(path, Path(folder))
        try:
            latencies, rps = sequential(server.url)
            rps_threads = concurrent(server.url)
        finally:
            server.close()
    p50, p99 = (float(np.percentile(latencies, q)) for q in (50, 99))
    overhead_x = (p50 - raw_ms) / raw_ms
    results = {
        "model": str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path),
        "workers": 1,
        "requests": len(latencies),
        "predict_p50_ms": round(p50, 3),
        "predict_p99_ms": round(p99, 3),
        "requests_per_s": round(rps, 1),
        f"requests_per_s_{THREADS}_clients": round(rps_threads, 1),
        "in_process_predict_proba_ms": round(raw_ms, 3),
        "in_process_served_predict_ms": round(served_ms, 3),
        "overhead_ms": round(p50 - raw_ms, 3),
        "overhead_x_in_process": round(overhead_x, 2),
        "p99_target_ms": P99_TARGET_MS,
        "p99_target_met": p99 < P99_TARGET_MS,
        "overhead_target_x": OVERHEAD_TARGET_X,
        "overhead_target_met": overhead_x < OVERHEAD_TARGET_X,
    }
    for key, value in results.items():
        print(f"{key:34s} {value}")
    print(f"recorded in {record('api', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
