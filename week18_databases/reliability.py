"""The service's reliability checks: concurrent writes, a SIGKILL mid-burst, malformed requests.

Each returns numbers, so the week's run reports them against its bars and the tests assert
them. Writes are real loan applications from week 7's data, posted over HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from shared.api import API_KEY_HEADER

Post = Callable[[httpx.Client, int], httpx.Response]


def post_loan(rows: list[dict], key: str) -> Post:
    """A writer that predicts and stores loan application number `i` (cycling through `rows`)."""

    def post(client: httpx.Client, i: int) -> httpx.Response:
        row = rows[i % len(rows)]
        body = {"inputs": row["inputs"], "applicant_id": row["id"]}
        return client.post("/models/loan/predictions", json=body, headers={API_KEY_HEADER: key})

    return post


def concurrent_writes(base_url: str, post: Post, writes: int, threads: int) -> list[int]:
    """Send `writes` writes from `threads` threads at once; return the acknowledged ids."""

    def worker(first: int) -> list[int]:
        with httpx.Client(base_url=base_url, timeout=60.0) as client:
            ids = []
            for i in range(first, writes, threads):
                response = post(client, i)
                response.raise_for_status()
                ids.append(response.json()["id"])
            return ids

    with ThreadPoolExecutor(threads) as pool:
        return [i for ids in pool.map(worker, range(threads)) for i in ids]


def burst_until_killed(
    base_url: str, post: Post, threads: int, kill_after: int, kill: Callable[[], None]
) -> list[int]:
    """Write from `threads` threads; after `kill_after` acknowledgements call `kill` (SIGKILL).

    Returns the ids of every write the server acknowledged (a 201 received) before it died.
    A write refused for another reason stops the burst with an error saying why.
    """
    acknowledged: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(offset: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30.0) as client:
            i = offset
            while not stop.is_set():
                try:
                    response = post(client, i)
                except httpx.TransportError:
                    return  # the server is gone; this write was never acknowledged
                i += threads
                with lock:
                    if response.status_code != 201:
                        refused.append(f"{response.status_code} {response.text[:200]}")
                        stop.set()
                        return
                    acknowledged.append(response.json()["id"])
                    if len(acknowledged) >= kill_after and not stop.is_set():
                        stop.set()
                        kill()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    if refused:
        kill()
        raise RuntimeError(f"the server refused a write during the burst: {refused[0]}")
    return acknowledged


def malformed_requests(example: dict) -> list[tuple[str, dict | str, str]]:
    """(what is wrong, body, field the answer must name) for bad variants of a valid loan body."""
    inputs = example["inputs"]
    first = next(iter(inputs))
    without = {k: v for k, v in inputs.items() if k != "loanamt"}
    return [
        ("a required field is missing", {"inputs": without}, "loanamt"),
        ("text where a number belongs", {"inputs": {**inputs, "appinc": "lots"}}, "appinc"),
        ("a number sent as text", {"inputs": {**inputs, "appinc": "100"}}, "appinc"),
        ("true where a number belongs", {"inputs": {**inputs, "loanamt": True}}, "loanamt"),
        ("a number above its maximum", {"inputs": {**inputs, "hrat": 1e9}}, "hrat"),
        ("a negative amount", {"inputs": {**inputs, "loanamt": -5}}, "loanamt"),
        ("a value outside the allowed set", {"inputs": {**inputs, "mortg": 9}}, "mortg"),
        ("an unknown field", {"inputs": {**inputs, "colour": "red"}}, "colour"),
        ("no inputs at all", {"applicant_id": 1}, "inputs"),
        ("an unknown field beside the inputs", {"inputs": inputs, "note": "x"}, "note"),
        ("a bad applicant id", {"inputs": inputs, "applicant_id": -1}, "applicant_id"),
        ("inputs of the wrong type", {"inputs": [1, 2, 3]}, "inputs"),
        ("a null where a value is required", {"inputs": {**inputs, first: None}}, first),
        ("a body that is not JSON", "{not json", "body"),
    ]


def malformed_named(base_url: str, example: dict, key: str) -> tuple[int, int]:
    """Send each malformed request; return (how many got a 4xx naming the field, how many sent)."""
    named = 0
    cases = malformed_requests(example)
    headers = {API_KEY_HEADER: key, "Content-Type": "application/json"}
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        for _, body, field in cases:
            content = body if isinstance(body, str) else None
            json_body = None if isinstance(body, str) else body
            response = client.post(
                "/models/loan/predictions", content=content, json=json_body, headers=headers
            )
            if 400 <= response.status_code < 500 and field in response.json()["message"]:
                named += 1
    return named, len(cases)
