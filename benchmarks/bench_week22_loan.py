"""Benchmark the week 22 Loan Approval API against the pipeline it serves as ONNX, in one run.

In-process, from the same application dict: week 7's scikit-learn pipeline (one-row DataFrame,
predict_proba) and its ONNX graph on ONNX Runtime (`LoanOnnx.probability`, the "compiled" form
of the keys below), median over interleaved calls. Over HTTP: `python -m week22_capstone serve loan` (one uvicorn worker, SQLite
audit trail in a temporary folder) answering back-to-back POST /decisions on one keep-alive
connection. Targets (issue 16): ONNX Runtime >= 5x faster than scikit-learn; API p99 <= 3x its
in-process time + 5 ms. Results go to reports/bench.json under "week22_loan".
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from shared.api import API_KEY_ENV, API_KEY_HEADER
from shared.bench import record
from shared.servers import LOOPBACK, ServerProcess, free_port
from week18_databases.loans import inputs_of
from week22_capstone.loan.model import load_loan_model, read_applications, train_and_save

KEY = "bench-week22-key"
CALLS, WARMUP, REQUESTS, TIME_CAP_S = 500, 100, 1000, 60.0
SPEEDUP_TARGET, P99_FACTOR, P99_SLACK_MS = 5.0, 3.0, 5.0


def in_process_ms(model, rows: list[dict]) -> tuple[float, float]:
    """Median ms per row of scikit-learn and of the ONNX graph, calls interleaved."""
    sklearn, compiled = [], []
    for i in range(CALLS):
        inputs = rows[i % len(rows)]
        start = time.perf_counter()
        model.pipeline.predict_proba(pd.DataFrame([inputs]))
        middle = time.perf_counter()
        model.onnx.probability(inputs)
        end = time.perf_counter()
        sklearn.append(1000 * (middle - start))
        compiled.append(1000 * (end - middle))
    return float(np.median(sklearn)), float(np.median(compiled))


def start_server(models: Path, folder: Path) -> ServerProcess:
    """Start the loan API in its own process and wait for /health."""
    port = free_port()
    env = {"DATABASE_URL": f"sqlite:///{folder / 'audit.sqlite3'}", API_KEY_ENV: KEY}
    command = [sys.executable, "-m", "week22_capstone", "serve", "loan", "--models", str(models)]
    server = ServerProcess([*command, "--port", str(port)], f"http://{LOOPBACK}:{port}", env=env)
    server.start()
    return server


def api_latencies(url: str, rows: list[dict]) -> list[float]:
    """Per-request ms of back-to-back POST /decisions on one keep-alive connection."""
    latencies = []
    with httpx.Client(base_url=url, headers={API_KEY_HEADER: KEY}) as client:
        for i in range(WARMUP):
            client.post("/decisions", json=rows[i % len(rows)]).raise_for_status()
        start = time.perf_counter()
        while len(latencies) < REQUESTS and time.perf_counter() - start < TIME_CAP_S:
            inputs = rows[len(latencies) % len(rows)]
            t0 = time.perf_counter()
            client.post("/decisions", json=inputs).raise_for_status()
            latencies.append(1000 * (time.perf_counter() - t0))
    return latencies


def main() -> int:
    """Measure, print, record; exit 1 if a target is missed."""
    x, _ = read_applications()
    rows = [inputs_of(r) for _, r in x.head(200).iterrows()]
    with tempfile.TemporaryDirectory() as folder:
        models = Path(folder)
        path, _ = train_and_save(models)
        model = load_loan_model(path)
        sklearn_ms, compiled_ms = in_process_ms(model, rows)
        server = start_server(models, models)
        try:
            latencies = api_latencies(server.url, rows)
        finally:
            server.close()
    p50, p99 = (float(np.percentile(latencies, q)) for q in (50, 99))
    speedup = sklearn_ms / compiled_ms
    p99_limit = P99_FACTOR * compiled_ms + P99_SLACK_MS
    results = {
        "in_process_sklearn_ms": round(sklearn_ms, 4),
        "in_process_compiled_ms": round(compiled_ms, 4),
        "compiled_speedup": round(speedup, 1),
        "speedup_target": SPEEDUP_TARGET,
        "speedup_target_met": speedup >= SPEEDUP_TARGET,
        "api_requests": len(latencies),
        "api_p50_ms": round(p50, 3),
        "api_p99_ms": round(p99, 3),
        "api_p99_limit_ms": round(p99_limit, 3),
        "api_p99_target_met": p99 <= p99_limit,
    }
    for key, value in results.items():
        print(f"{key:24s} {value}")
    print(f"recorded in {record('week22_loan', results)}")
    return 0 if results["speedup_target_met"] and results["api_p99_target_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
