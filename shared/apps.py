"""Every app and service of the course, once: its package, port, start command, image and kind.

Weeks 8, 18, 22, 23 and 24 serve apps; each used to write its own ports. Now this table is the
one source: the capstones' `serve NAME` parsers take their ports from `ports(package)`, the
chat client its default URL from `url("chat")`, the hub page and the service images read `APPS`,
the Makefile's `serve-NAME` targets come from `make/serve.mk` (written by `python -m shared.apps`,
kept current by a test) and `.ci/docker.sh`'s image list is checked against `image` by a test.

An app whose week is not in this checkout is still listed (`installed()` says so), so the
table stays the course's table of contents. Standard library only: the service images read it.
"""

from __future__ import annotations

import enum
import importlib.util
import sys
from dataclasses import dataclass

from shared.atomic import write_text_atomic
from shared.paths import REPO_ROOT
from shared.servers import LOOPBACK, answers

API_HEALTH = "/health"
STREAMLIT_HEALTH = "/_stcore/health"
MAKE_INCLUDE = REPO_ROOT / "make" / "serve.mk"


class AppKind(enum.StrEnum):
    """What serves the app: a FastAPI service on uvicorn, or a Streamlit page (shown as words)."""

    API = "FastAPI service"
    DASHBOARD = "Streamlit dashboard"

    @property
    def health(self) -> str:
        """The path that answers 200 while an app of this kind is up."""
        return API_HEALTH if self is AppKind.API else STREAMLIT_HEALTH


@dataclass(frozen=True)
class App:
    """One runnable app: its week and package, how it is named on `serve`, its port and image.

    `serve_name` is the NAME of `python -m PACKAGE serve NAME` (and of `make serve-NAME`), or
    None for a week that serves one app; `image` is its Docker image, if it has one.
    """

    name: str
    week: int
    package: str
    kind: AppKind
    serve_name: str | None
    port: int
    what: str
    image: str | None = None

    @property
    def command(self) -> str:
        """The command that starts the app on its default port."""
        return " ".join(["python", "-m", self.package, "serve", *filter(None, [self.serve_name])])

    @property
    def health(self) -> str:
        """The path that answers 200 while the app is up."""
        return self.kind.health

    @property
    def url(self) -> str:
        """Where a user opens the app once started on its default port on this machine."""
        docs = "/docs" if self.kind is AppKind.API else ""
        return f"http://{LOOPBACK}:{self.port}{docs}"

    def installed(self) -> bool:
        """True when the app's week package is in this checkout."""
        return importlib.util.find_spec(self.package) is not None

    def running(self, host: str = LOOPBACK, timeout: float = 0.3) -> bool:
        """True when something answers 200 on the app's health path right now."""
        return answers(f"http://{host}:{self.port}{self.health}", timeout)


API, DASHBOARD = AppKind.API, AppKind.DASHBOARD
W22, W23 = "week22_capstone", "week23_genai_capstone"
APPS = (
    App(
        "titanic-api",
        8,
        "week08_fastapi",
        API,
        None,
        8000,
        "week 7's Titanic pipeline behind API keys, predictions stored in SQL",
        "ml-roadmap-api",
    ),
    App(
        "loan-service",
        18,
        "week18_databases",
        API,
        None,
        8018,
        "week 7's pipelines by name, every prediction recorded (SQLite or PostgreSQL)",
        "ml-roadmap-loan-service",
    ),
    App(
        "loan-approval",
        22,
        W22,
        API,
        "loan",
        8022,
        "loan decisions from the compiled pipeline, with the threshold explained and audited",
        "ml-roadmap-loan-approval",
    ),
    App(
        "face-mask",
        22,
        W22,
        API,
        "mask",
        8023,
        "face-mask detection on an image or a short video (ONNX Runtime, no torch), annotated "
        "file returned",
        "ml-roadmap-face-mask",
    ),
    App(
        "sentiment",
        22,
        W22,
        DASHBOARD,
        "sentiment",
        8501,
        "VADER, TF-IDF and a fine-tuned transformer side by side",
        "ml-roadmap-sentiment",
    ),
    App(
        "forecast",
        22,
        W22,
        DASHBOARD,
        "forecast",
        8502,
        "forecasts vs actuals and error by horizon, read from the time-series store",
        "ml-roadmap-forecast",
    ),
    App(
        "chat",
        23,
        W23,
        API,
        "chat",
        8030,
        "week 19's SmolLM2 chatbot, answers streamed, conversations kept in SQL",
        "ml-roadmap-chat",
    ),
    App(
        "chat-ui",
        23,
        W23,
        DASHBOARD,
        "chat-ui",
        8503,
        "a chat page on the chatbot API (start `serve chat` first)",
        "ml-roadmap-chat-ui",
    ),
    App(
        "gallery",
        23,
        W23,
        DASHBOARD,
        "gallery",
        8504,
        "week 20's generated images with prompt, seed and caption, searchable by text",
        "ml-roadmap-gallery",
    ),
    App(
        "story",
        23,
        W23,
        DASHBOARD,
        "story",
        8505,
        "a prompt becomes scenes and an illustrated storybook, downloadable as HTML",
        "ml-roadmap-story",
    ),
    App(
        "hub",
        24,
        "week24_deploy",
        DASHBOARD,
        "hub",
        8500,
        "this page: every app of the course",
        "ml-roadmap-hub",
    ),
)


def app(name: str) -> App:
    """The app called `name`; KeyError naming the choices if there is none."""
    for candidate in APPS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no app {name!r}; choose one of: {', '.join(a.name for a in APPS)}")


def ports(package: str) -> dict[str, int]:
    """`serve NAME` → default port, for the apps `package` serves by name (weeks 22-24)."""
    return {a.serve_name: a.port for a in APPS if a.package == package and a.serve_name}


def url(name: str) -> str:
    """The base URL of app `name` on its default port on this machine."""
    return f"http://{LOOPBACK}:{app(name).port}"


def make_include() -> str:
    """The Makefile's serve targets: `serve-NAME` runs `python -m PACKAGE serve NAME`."""
    named = {a.serve_name: a.package for a in APPS if a.serve_name}
    width = max(len(name) for name in named) + len("SERVE_")
    lines = [
        "# Generated by `python -m shared.apps` from shared/apps.py; do not edit.",
        "# serve-NAME runs `python -m PACKAGE serve NAME`: the package that serves each app.",
        *(f"{'SERVE_' + name:<{width}} := {package}" for name, package in named.items()),
        f"{'SERVE_TARGETS':<{width}} := {' '.join('serve-' + name for name in named)}",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write make/serve.mk from the table (run after changing an app's name or package)."""
    write_text_atomic(MAKE_INCLUDE, make_include())
    print(f"wrote {MAKE_INCLUDE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
