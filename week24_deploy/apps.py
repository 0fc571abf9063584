"""Every app and service of the course: how to start it, where it listens, how to check it.

The hub page (hub_app.py) and the Docker images (docker/) read this one list. An app whose
week is not in this checkout is shown as missing rather than dropped, so the list stays the
course's table of contents.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import httpx

API_HEALTH = "/health"
STREAMLIT_HEALTH = "/_stcore/health"


@dataclass(frozen=True)
class App:
    """One runnable app: its week, kind, start command, default port and health path."""

    name: str
    week: int
    package: str
    kind: str  # "FastAPI service" or "Streamlit dashboard"
    command: str
    port: int
    what: str

    @property
    def health(self) -> str:
        """The path that answers 200 while the app is up."""
        return STREAMLIT_HEALTH if self.kind.startswith("Streamlit") else API_HEALTH

    @property
    def url(self) -> str:
        """Where the app listens when started with its default port on this machine."""
        return f"http://127.0.0.1:{self.port}" + (
            "/docs" if self.kind.startswith("FastAPI") else ""
        )

    def installed(self) -> bool:
        """True when the app's week package is in this checkout."""
        return importlib.util.find_spec(self.package) is not None

    def running(self, host: str = "127.0.0.1", timeout: float = 0.3) -> bool:
        """True when something answers 200 on the app's health path right now."""
        try:
            reply = httpx.get(f"http://{host}:{self.port}{self.health}", timeout=timeout)
        except httpx.HTTPError:
            return False
        return reply.status_code == 200


APPS = (
    App(
        "titanic-api",
        8,
        "week08_fastapi",
        "FastAPI service",
        "python -m week08_fastapi serve",
        8000,
        "week 7's Titanic pipeline behind API keys, predictions stored in SQL",
    ),
    App(
        "loan-service",
        18,
        "week18_databases",
        "FastAPI service",
        "python -m week18_databases serve",
        8018,
        "week 7's pipelines by name, every prediction recorded (SQLite or PostgreSQL)",
    ),
    App(
        "loan-approval",
        22,
        "week22_capstone",
        "FastAPI service",
        "python -m week22_capstone serve loan",
        8022,
        "loan decisions from the compiled pipeline, with the threshold explained and audited",
    ),
    App(
        "face-mask",
        22,
        "week22_capstone",
        "FastAPI service",
        "python -m week22_capstone serve mask",
        8023,
        "face-mask detection on an image or a short video (ONNX Runtime, no torch), annotated "
        "file returned",
    ),
    App(
        "sentiment",
        22,
        "week22_capstone",
        "Streamlit dashboard",
        "python -m week22_capstone serve sentiment",
        8501,
        "VADER, TF-IDF and a fine-tuned transformer side by side",
    ),
    App(
        "forecast",
        22,
        "week22_capstone",
        "Streamlit dashboard",
        "python -m week22_capstone serve forecast",
        8502,
        "forecasts vs actuals and error by horizon, read from the time-series store",
    ),
    App(
        "chat",
        23,
        "week23_genai_capstone",
        "FastAPI service",
        "python -m week23_genai_capstone serve chat",
        8030,
        "week 19's SmolLM2 chatbot, answers streamed, conversations kept in SQL",
    ),
    App(
        "chat-ui",
        23,
        "week23_genai_capstone",
        "Streamlit dashboard",
        "python -m week23_genai_capstone serve chat-ui",
        8503,
        "a chat page on the chatbot API (start `serve chat` first)",
    ),
    App(
        "gallery",
        23,
        "week23_genai_capstone",
        "Streamlit dashboard",
        "python -m week23_genai_capstone serve gallery",
        8504,
        "week 20's generated images with prompt, seed and caption, searchable by text",
    ),
    App(
        "story",
        23,
        "week23_genai_capstone",
        "Streamlit dashboard",
        "python -m week23_genai_capstone serve story",
        8505,
        "a prompt becomes scenes and an illustrated storybook, downloadable as HTML",
    ),
    App(
        "hub",
        24,
        "week24_deploy",
        "Streamlit dashboard",
        "python -m week24_deploy serve hub",
        8500,
        "this page: every app of the course",
    ),
)
