"""The one table of apps: every place that names an app's port, package or image reads it."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from shared import apps
from shared.apps import APPS, AppKind
from shared.paths import REPO_ROOT


def test_names_ports_and_images_are_unique_and_kinds_are_enum_members() -> None:
    for field in ("name", "port", "image", "command"):
        values = [getattr(a, field) for a in APPS if getattr(a, field) is not None]
        assert len(values) == len(set(values)), f"two apps share a {field}"
    assert all(isinstance(a.kind, AppKind) for a in APPS)
    assert {a.health for a in APPS} == {"/health", "/_stcore/health"}


def test_an_unknown_app_names_the_choices() -> None:
    with pytest.raises(KeyError, match=r"no app 'nope'; choose one of: titanic-api, "):
        apps.app("nope")


def test_the_makefile_serve_targets_are_generated_from_the_table() -> None:
    assert apps.MAKE_INCLUDE.read_text() == apps.make_include(), "run `python -m shared.apps`"
    assert "\ninclude make/serve.mk\n" in (REPO_ROOT / "Makefile").read_text()
    dry = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed-stamp", "serve-mask", "serve-chat-ui"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "-m week22_capstone serve mask" in dry.stdout, dry.stderr
    assert "-m week23_genai_capstone serve chat-ui" in dry.stdout, dry.stderr


def test_docker_sh_builds_the_images_the_table_names() -> None:
    script = (REPO_ROOT / ".ci" / "docker.sh").read_text()
    start = script.index("SERVICES=(")
    block = script[start : script.index("\n)\n", start)]
    built = {line.split()[1]: line.split()[0] for line in re.findall(r'"([^"]+)"', block)}
    expected = {a.name: a.image for a in APPS if a.image and a.package != "week08_fastapi"}
    assert built == expected
    week08 = apps.app("titanic-api").image
    assert f"API_IMAGE=${{WEEK08_API_IMAGE:-{week08}}}" in script


def test_every_serve_command_defaults_to_the_tables_port() -> None:
    from week08_fastapi.server import build_parser as week08
    from week18_databases.serve import build_parser as week18
    from week22_capstone.serve import PORTS as WEEK22
    from week23_genai_capstone.chat.client import DEFAULT_URL
    from week23_genai_capstone.serve import PORTS as WEEK23

    assert week08().parse_args([]).port == apps.app("titanic-api").port
    assert week18().parse_args([]).port == apps.app("loan-service").port
    assert WEEK22 == {"loan": 8022, "mask": 8023, "sentiment": 8501, "forecast": 8502}
    assert WEEK23 == {"chat": 8030, "chat-ui": 8503, "gallery": 8504, "story": 8505}
    assert DEFAULT_URL == "http://127.0.0.1:8030"


def test_the_table_loads_without_web_libraries() -> None:
    """The service images read it: no fastapi, httpx or streamlit behind `import shared.apps`."""
    code = (
        "import sys, shared.apps, shared.servers; "
        "print(sorted({'fastapi', 'httpx', 'streamlit', 'uvicorn'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stderr
