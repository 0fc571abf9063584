"""What a service image runs: the start command and environment from week24_deploy/container.py,
checked without Docker."""

from __future__ import annotations

import pytest

from shared.apps import APPS
from week24_deploy import container

APP = {app.name: app for app in APPS}


def test_every_service_listens_on_all_interfaces_of_the_container() -> None:
    argv = container.command(APP["loan-approval"])
    assert argv[1:5] == ["-m", "week22_capstone", "serve", "loan"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "8022"
    assert "--models" in argv and "--models" not in container.command(APP["forecast"])


def test_the_sentiment_dashboard_reads_its_model_from_the_volume() -> None:
    env = container.environment(APP["sentiment"], {"ML_ROADMAP_MODELS": "/models"})
    assert env["WEEK22_MODELS"] == "/models"
    mine = container.environment(APP["sentiment"], {"WEEK22_MODELS": "/data/mine"})
    assert mine["WEEK22_MODELS"] == "/data/mine"
    assert "WEEK22_MODELS" not in container.environment(APP["forecast"], {})


def test_the_sentiment_dashboard_looks_for_its_onnx_transformer_on_its_own_volume() -> None:
    env = container.environment(APP["sentiment"], {})
    assert env["WEEK22_TRANSFORMER"] == "/transformer" and env["WEEK22_MODELS"] == "/models"
    mine = container.environment(APP["sentiment"], {"WEEK22_TRANSFORMER": "/data/minilm"})
    assert mine["WEEK22_TRANSFORMER"] == "/data/minilm"
    assert "WEEK22_TRANSFORMER" not in container.environment(APP["hub"], {})


def test_an_unknown_service_names_the_choices(monkeypatch) -> None:
    monkeypatch.setenv("ML_ROADMAP_SERVICE", "nope")
    with pytest.raises(SystemExit, match=r"choose one of: .*loan-approval"):
        container.service()


def test_the_face_mask_api_reads_models_from_the_volume_and_keeps_outputs_on_data() -> None:
    argv = container.command(APP["face-mask"])
    assert argv[1:5] == ["-m", "week22_capstone", "serve", "mask"]
    assert argv[argv.index("--models") + 1] == "/models"
    env = container.environment(APP["face-mask"], {})
    assert env["WEEK22_MASK_OUTPUTS"] == "/data/mask_api"
    assert (
        container.environment(APP["face-mask"], {"WEEK22_MASK_OUTPUTS": "/x"})[
            "WEEK22_MASK_OUTPUTS"
        ]
        == "/x"
    )
