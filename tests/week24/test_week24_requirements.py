"""Every image's requirements file against pyproject.toml's pins, the face-mask image's
requirements against what its serving path imports (no torch), and week 23's split on the trixie
base (torch from Debian, the rest from pip), checked without Docker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import cv2
import numpy as np
import pytest

from shared.paths import REPO_ROOT
from shared.registry import fetch
from week22_capstone.mask.export import export_mask_classifier

DOCKER_SH = REPO_ROOT / ".ci" / "docker.sh"
WEEK08 = REPO_ROOT / "week08_fastapi"
# The image installs xgboost-cpu: the same `xgboost` module and version without the CUDA build.
SAME_AS = {"xgboost-cpu": "xgboost"}


def _name(requirement: str) -> str:
    """A distribution's normalised name (PEP 503), extras dropped: `psycopg[binary]` -> psycopg."""
    return re.sub(r"[-_.]+", "-", requirement.split("[")[0]).lower()


def project_pins() -> dict[str, str]:
    """pyproject.toml's dependencies as {normalised name: exact version}."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return {_name(line.split("==")[0]): line.split("==")[1] for line in project["dependencies"]}


def requirements(path: Path) -> dict[str, str]:
    """A requirements file's lines (comments dropped) as {normalised name: exact version}."""
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    pins = {}
    for line in filter(None, lines):
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9A-Za-z.+]+", line), f"{path.name}: {line}"
        name, version = line.split("==")
        pins[_name(name)] = version
    return pins


def image_requirements() -> list[Path]:
    """The requirements file of every image: week 8's two and each service .ci/docker.sh builds."""
    services = re.search(r"^SERVICES=\((.*?)^\)", DOCKER_SH.read_text(), re.S | re.M)
    assert services, "no SERVICES list in .ci/docker.sh"
    listed = re.findall(r"^\s*\"\S+ \S+ ([^\s\"]+)", services.group(1), re.M)
    return [WEEK08 / "requirements-serve.txt", WEEK08 / "requirements-train.txt"] + [
        REPO_ROOT / path for path in listed
    ]


def test_every_image_is_built_from_a_requirements_file_in_the_repository() -> None:
    files = image_requirements()
    assert len(files) >= 8 and all(path.is_file() for path in files), files
    docker_folder = sorted((REPO_ROOT / "week24_deploy" / "docker").glob("requirements-*.txt"))
    assert set(docker_folder) <= set(files), "a requirements file no image is built from"


@pytest.mark.parametrize("path", image_requirements(), ids=lambda p: p.name)
def test_every_images_requirements_match_the_project_pins(path: Path) -> None:
    pins = project_pins()
    wanted = requirements(path)
    assert len(wanted) >= 2
    for name, version in wanted.items():
        pinned = pins.get(SAME_AS.get(name, name))
        assert pinned == version, f"{path.name}: {name}=={version}, pyproject pins {pinned}"


def debian_provides(path: Path) -> dict[str, str]:
    """The Debian packages a trixie requirements file's `# debian:` line names, with versions."""
    named = re.findall(r"^# debian: (.+)$", path.read_text(), re.M)
    return dict(pin.split("==") for line in named for pin in line.split())


def test_week23s_images_take_torch_from_debian_and_the_rest_from_pip() -> None:
    script = DOCKER_SH.read_text()
    trixie = re.search(r"^TRIXIE_PACKAGES=(\S+)$", script, re.M)
    on_trixie = re.search(r'^TRIXIE_SERVICES="(.+)"$', script, re.M)
    assert trixie and on_trixie, "no TRIXIE_PACKAGES or TRIXIE_SERVICES in .ci/docker.sh"
    path = REPO_ROOT / "week24_deploy" / "docker" / "requirements-genai.txt"
    debian = debian_provides(path)
    # trixie's python3-torch and python3-torchvision, the CPU builds (bookworm's are 1.13)
    assert debian == {"python3-torch": "2.6.0", "python3-torchvision": "0.21.0"}
    assert set(debian) <= set(trixie.group(1).split(","))
    assert not {"torch", "torchvision"} & set(requirements(path)), "pip would fetch CUDA torch"
    assert {"transformers", "diffusers", "gguf", "accelerate"} <= set(requirements(path))
    services = re.search(r"^SERVICES=\((.*?)^\)", script, re.S | re.M)
    assert services, "no SERVICES list in .ci/docker.sh"
    built = re.findall(r'^\s*"\S+ (\S+) ([^\s"]+)', services.group(1), re.M)
    assert {s for s, file in built if file.endswith("genai.txt")} == set(on_trixie.group(1).split())
    others = {REPO_ROOT / file for _, file in built if not file.endswith("genai.txt")}
    assert others and not any(map(debian_provides, others)), "a bookworm image names Debian's torch"


def test_the_mask_image_has_no_torch() -> None:
    wanted = requirements(REPO_ROOT / "week24_deploy" / "docker" / "requirements-mask.txt")
    assert {"onnxruntime", "opencv-python-headless"} <= set(wanted)
    assert not {"torch", "torchvision"} & set(wanted)


# The start of a fresh interpreter that cannot import any pinned distribution an image does not
# install (argv[1], as JSON), so an import the image lacks fails as a missing module would.
_BLOCKED = """
import importlib.metadata, json, sys
blocked = set(json.loads(sys.argv[1]))
names = {m for m, dists in importlib.metadata.packages_distributions().items()
         if any(d.lower().replace("_", "-") in blocked for d in dists)}

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in names:
            raise ModuleNotFoundError(f"the image does not install {name}", name=name)

sys.meta_path.insert(0, Blocker())
"""


def run_blocked(
    script: str, blocked: list[str], *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess:
    """Run `script` in a fresh interpreter that cannot import `blocked`; fail with its stderr."""
    done = subprocess.run(
        [sys.executable, "-c", _BLOCKED + script, json.dumps(blocked), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


# What the mask image's start command does: build the API through `serve mask` on the
# /models folder, and detect faces in one uploaded scene.
_IMAGE = """
from fastapi.testclient import TestClient
from week22_capstone import serve
app = serve._api(serve.build_parser().parse_args(["mask", "--models", sys.argv[2]]))
with TestClient(app) as client, open(sys.argv[3], "rb") as scene:
    headers = {"X-API-Key": "k" * 24}
    answer = client.post("/detections", files={"file": ("scene.png", scene)}, headers=headers)
    image = client.get(answer.json()["annotated_url"], headers=headers)
torch = sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "torchvision"})
print(json.dumps({"status": [answer.status_code, image.status_code], "torch": torch,
                  "faces": answer.json()["faces"], "health": client.get("/health").json()}))
"""


def test_the_mask_image_installs_everything_its_serving_path_imports(tmp_path: Path) -> None:
    from shared.context import RunContext
    from week22_capstone.projects.face_mask import labelled_scenes

    models = tmp_path / "models"
    export_mask_classifier(models, fetch("keras_mask_classifier"))
    scenes, _ = labelled_scenes(RunContext(22, "test", tmp_path), 2)
    scene = tmp_path / "scene.png"
    cv2.imwrite(str(scene), max(scenes, key=lambda s: len(s.boxes)).image)
    installed = requirements(REPO_ROOT / "week24_deploy" / "docker" / "requirements-mask.txt")
    blocked = sorted(set(project_pins()) - set(installed))
    env = {"ML_ROADMAP_API_KEY": "k" * 24, "WEEK22_MASK_OUTPUTS": str(tmp_path / "outputs")}
    done = run_blocked(_IMAGE, blocked, str(models), str(scene), env=env)
    result = json.loads(done.stdout)
    assert result["status"] == [201, 200] and result["torch"] == []
    assert result["faces"] and "ONNX Runtime" in result["health"]["classifier"]
    assert np.all([face["label"] in ("mask", "no_mask") for face in result["faces"]])


def installed_with(names: set[str]) -> set[str]:
    """The distributions pip installs for `names`: them and, transitively, what they require
    (Streamlit brings pyarrow, which pyproject pins for week 15)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import requires as requires_of

    from packaging.requirements import Requirement

    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            wanted = [Requirement(line) for line in requires_of(name) or []]
        except PackageNotFoundError:
            continue
        todo += [_name(r.name) for r in wanted if not r.marker or r.marker.evaluate({"extra": ""})]
    return seen


def test_the_sentiment_image_runs_its_transformer_without_torch() -> None:
    wanted = requirements(REPO_ROOT / "week24_deploy" / "docker" / "requirements-sentiment.txt")
    assert {"onnxruntime", "tokenizers", "streamlit", "vadersentiment"} <= set(wanted)
    assert not {"torch", "transformers"} & set(wanted)


# The same blocked interpreter for the sentiment image: the dashboard's page (Streamlit's AppTest)
# with the TF-IDF model and a transformer exported to ONNX, one typed text labelled by all three.
_SENTIMENT = """
from streamlit.testing.v1 import AppTest
app = AppTest.from_file(sys.argv[2], default_timeout=120).run()
if app.text_area:
    app.text_area[0].input("I love this phone, what a great day!")
    app.button[0].click().run()
row = app.dataframe[-1].value.iloc[0] if app.text_area else {}
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "transformers"})
print(json.dumps({"errors": [e.value for e in app.error] + [e.message for e in app.exception],
                  "captions": [c.value for c in app.caption], "loaded": loaded,
                  "labels": [row.get(c) for c in ("VADER", "TF-IDF", "transformer")]}))
"""


def test_the_sentiment_image_installs_everything_its_page_imports(tmp_path: Path) -> None:
    from sentiment_models import tiny_bert

    from week22_capstone.sentiment import PAGE
    from week22_capstone.sentiment.export import export_transformer
    from week22_capstone.sentiment.models import train_tfidf

    train_tfidf(tmp_path / "models", limit=600)
    export_transformer(tiny_bert(tmp_path / "bert"), tmp_path / "onnx")
    listed = requirements(REPO_ROOT / "week24_deploy" / "docker" / "requirements-sentiment.txt")
    blocked = sorted(set(project_pins()) - installed_with(set(listed)))
    assert {"torch", "transformers"} <= set(blocked)
    env = {"WEEK22_MODELS": str(tmp_path / "models"), "WEEK22_TRANSFORMER": str(tmp_path / "onnx")}
    done = run_blocked(_SENTIMENT, blocked, str(PAGE), env=env)
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["errors"] == [] and result["loaded"] == []
    assert any("ONNX Runtime" in caption for caption in result["captions"])
    assert result["labels"][0] == "positive" and len(result["labels"]) == 3
