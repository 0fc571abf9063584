"""Settings from the environment, the passenger schema's rules, and the frame the pipeline gets."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError
from week08_support import PASSENGER

from shared.paths import REPO_ROOT
from week07_pipelines.titanic import TITANIC_INPUT_COLUMNS, TITANIC_SCHEMA
from week08_fastapi.schemas import COLUMNS, Passenger, to_frame
from week08_fastapi.settings import DEFAULT_MAX_BATCH, Settings


def test_settings_from_env() -> None:
    env = {
        "DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/db",
        "ML_ROADMAP_API_KEY": "k" * 12,
        "ML_ROADMAP_PUBLIC_READS": "yes",
        "ML_ROADMAP_MAX_BATCH": "7",
        "ML_ROADMAP_MODEL_PATH": "/m.joblib",
    }
    settings = Settings.from_env(env)
    assert settings.database_url == env["DATABASE_URL"] and settings.api_key == "k" * 12
    assert settings.public_reads and not settings.build_model and settings.max_batch == 7
    assert settings.model_path == Path("/m.joblib") and not settings.generated_key


def test_defaults_use_sqlite_and_a_random_key() -> None:
    first, second = Settings.from_env({}), Settings.from_env({})
    assert first.database_url.startswith("sqlite:///") and first.max_batch == DEFAULT_MAX_BATCH
    assert first.generated_key and len(first.api_key) >= 24 and first.api_key != second.api_key


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ML_ROADMAP_BUILD_MODEL": "perhaps"}, "ML_ROADMAP_BUILD_MODEL"),
        ({"ML_ROADMAP_MAX_BATCH": "0"}, "ML_ROADMAP_MAX_BATCH"),
        ({"ML_ROADMAP_MAX_BATCH": "ten"}, "ML_ROADMAP_MAX_BATCH"),
        ({"ML_ROADMAP_API_KEY": "short"}, "at least 8"),
        ({"ML_ROADMAP_API_KEY": " " * 12}, "blank"),
        ({"ML_ROADMAP_API_KEY": " secret-key-123 "}, "starts or ends with spaces"),
        ({"ML_ROADMAP_API_KEY": "secret key 123"}, "visible ASCII"),
        ({"ML_ROADMAP_API_KEY": "clé-secrète-123"}, "visible ASCII"),
        ({"DATABASE_URL": "not-a-url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mssql://u:p@127.0.0.1/db"}, "unsupported database 'mssql'"),
    ],
)
def test_bad_settings_are_refused_by_name(env: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_api_fields_map_onto_the_pipelines_input_columns() -> None:
    assert set(COLUMNS.values()) == set(TITANIC_INPUT_COLUMNS) == set(TITANIC_SCHEMA)


def test_to_frame_gives_the_raw_columns_with_missing_values_as_nan() -> None:
    frame = to_frame(
        [Passenger(**PASSENGER), Passenger(**{**PASSENGER, "age": None, "embarked": None})]
    )
    assert list(frame.columns) == list(COLUMNS.values()) and len(frame) == 2
    assert frame.loc[0, "Sex"] == "male" and frame.loc[0, "Age"] == 22
    assert pd.isna(frame.loc[1, "Age"]) and pd.isna(frame.loc[1, "Embarked"])


@pytest.mark.parametrize(
    "bad", [{"age": float("nan")}, {"fare": float("inf")}, {"parch": 11}, {"fare": 1001}]
)
def test_passenger_rejects_non_finite_and_out_of_range_values(bad: dict) -> None:
    with pytest.raises(ValidationError):
        Passenger(**{**PASSENGER, **bad})


# Run in a fresh interpreter: refuse to import any pinned distribution the image does not install,
# as a missing module would (libraries probe optional ones with `except ModuleNotFoundError`)
# (and, for serving, week 7, which stage 2 does not copy), then do what the image does.
_IMAGE_IMPORTS = """
import importlib.metadata, json, sys
blocked = set(json.loads(sys.argv[1]))
names = {m for m, dists in importlib.metadata.packages_distributions().items()
         if any(d.lower() in blocked for d in dists)}
names |= blocked & {"week07_pipelines"}

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in names:
            raise ModuleNotFoundError(f"the image does not install {name}", name=name)

sys.meta_path.insert(0, Blocker())
exec(sys.argv[2])
"""
_SERVE = """
from pathlib import Path
from week08_fastapi.app import create_app
from week08_fastapi.served_model import load_served_model
from week08_fastapi.server import serve_main
from week08_fastapi.settings import Settings
model = load_served_model(Path(sys.argv[3]))
create_app(Settings(database_url="sqlite://", api_key="k" * 12), model)
"""
_TRAIN = "from week07_pipelines.titanic import train_and_save"


@pytest.mark.parametrize("stage", ["serve", "train"])
def test_the_docker_image_installs_everything_its_code_imports(stage: str, model_path) -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {line.split("==")[0].split("[")[0].lower() for line in project}
    files = ["requirements-serve.txt"] + (["requirements-train.txt"] if stage == "train" else [])
    folder = REPO_ROOT / "week08_fastapi"
    installed = {
        line.split("==")[0].split("[")[0].lower()
        for f in files
        for line in (folder / f).read_text().split()
    }
    blocked = sorted(pinned - installed) + (["week07_pipelines"] if stage == "serve" else [])
    code = _SERVE if stage == "serve" else _TRAIN
    done = subprocess.run(
        [sys.executable, "-c", _IMAGE_IMPORTS, json.dumps(blocked), code, str(model_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
