"""A client of the chatbot service: what the Streamlit page and the run's checks call.

Every request carries the API key; a refusal raises `ChatError` with the service's one-line
message. `stream` reads the server-sent events as they arrive; `deltas` turns them into the
text pieces a page writes out, keeping the `evidence` event that comes first (what the answer
rests on) and the stored answer the final `done` event carries.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx

from shared import apps
from shared.api import API_KEY_HEADER
from week23_genai_capstone.chat.sse import read_events

URL_ENV = "WEEK23_CHAT_URL"
DEFAULT_URL = apps.url("chat")
START_API = "python -m week23_genai_capstone serve chat"


class ChatError(RuntimeError):
    """The service refused a request or an answer failed; the message says why."""


def service_url() -> str:
    """Where the chatbot service listens: $WEEK23_CHAT_URL, else its default port here."""
    return os.environ.get(URL_ENV, "").strip() or DEFAULT_URL


class ChatClient:
    """Talk to one chatbot service with one API key."""

    def __init__(self, url: str, key: str, timeout: float = 300.0) -> None:
        self.http = httpx.Client(base_url=url, headers={API_KEY_HEADER: key}, timeout=timeout)

    def _json(self, response: httpx.Response) -> dict:
        """The response's JSON, or ChatError with the service's message."""
        if response.is_error:
            try:
                message = response.json()["message"]
            except (ValueError, KeyError):
                message = response.text[:200]
            raise ChatError(f"{response.status_code}: {message}")
        return response.json()

    def health(self) -> dict:
        """The service's /health answer."""
        return self._json(self.http.get("/health"))

    def start(self, title: str = "New chat", system: str | None = None) -> dict:
        """Start a conversation; return it."""
        body = {"title": title} | ({"system": system} if system else {})
        return self._json(self.http.post("/conversations", json=body))

    def conversations(self, limit: int = 100) -> list[dict]:
        """The stored conversations, oldest first (one page of `limit`)."""
        return self._json(self.http.get("/conversations", params={"limit": limit}))["items"]

    def conversation(self, conversation_id: int) -> dict:
        """One conversation with all its messages."""
        return self._json(self.http.get(f"/conversations/{conversation_id}"))

    def ask(self, conversation_id: int, text: str, max_new_tokens: int = 128) -> dict:
        """Ask and wait for the whole answer; return the stored answer."""
        body = {"content": text, "max_new_tokens": max_new_tokens}
        return self._json(self.http.post(f"/conversations/{conversation_id}/messages", json=body))

    def stream(
        self, conversation_id: int, text: str, max_new_tokens: int = 128
    ) -> Iterator[tuple[str, dict]]:
        """Ask, and yield the answer's events (evidence, deltas, done or error) as they arrive."""
        body = {"content": text, "max_new_tokens": max_new_tokens}
        path = f"/conversations/{conversation_id}/messages/stream"
        with self.http.stream("POST", path, json=body) as response:
            if response.is_error:
                response.read()
                self._json(response)
            yield from read_events(response.iter_lines())

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


def deltas(
    events: Iterator[tuple[str, dict]], done: dict, evidence: dict | None = None
) -> Iterator[str]:
    """The text of each delta event; the stored answer goes into `done`, the evidence event's
    data (`abstained`, `evidence`) into `evidence` when given."""
    for name, data in events:
        if name == "delta":
            yield data["text"]
        elif name == "evidence" and evidence is not None:
            evidence.update(data)
        elif name == "done":
            done.update(data)
        elif name == "error":
            raise ChatError(data["message"])
