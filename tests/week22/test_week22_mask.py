"""The face-mask capstone: the endpoint and the CLI on a built scene, and bad uploads."""

from __future__ import annotations

import contextlib
import io
import json

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from shared.api import API_KEY_HEADER
from shared.context import RunContext
from week22_capstone import mask_cli
from week22_capstone.face_mask import labelled_scenes, score
from week22_capstone.mask import mask_pipeline
from week22_capstone.mask_cli import WEEK13_MODELS
from week22_capstone.mask_service import MaskSettings, create_app

KEY = "week22-mask-key-0123"


@pytest.fixture(scope="module")
def scene_png(tmp_path_factory: pytest.TempPathFactory):
    """One built scene (DCGAN faces, some masked, on a real photo) as a PNG, with its truth."""
    folder = tmp_path_factory.mktemp("mask")
    scenes, truth = labelled_scenes(RunContext(22, "test", folder), 4)
    busiest = max(range(len(scenes)), key=lambda i: len(scenes[i].boxes))
    path = folder / "scene.png"
    cv2.imwrite(str(path), scenes[busiest].image)
    return path, scenes[busiest], truth[busiest]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    """The API on week 13's pipeline, outputs in a temporary folder."""
    settings = MaskSettings(KEY, tmp_path_factory.mktemp("outputs"))
    with TestClient(create_app(settings, pipeline=mask_pipeline(WEEK13_MODELS))) as client:
        yield client


def test_an_image_gets_boxes_labels_and_an_annotated_copy(client, scene_png) -> None:
    path, scene, labels = scene_png
    response = client.post(
        "/detections", files={"file": (path.name, path.read_bytes())}, headers={API_KEY_HEADER: KEY}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    faces, found, _ = score(body, scene, labels)
    assert body["kind"] == "image" and faces >= 2 and found >= faces - 1 and found >= 1
    annotated = client.get(body["annotated_url"], headers={API_KEY_HEADER: KEY})
    image = cv2.imdecode(np.frombuffer(annotated.content, np.uint8), cv2.IMREAD_COLOR)
    assert annotated.status_code == 200 and image.shape == scene.image.shape
    assert not np.array_equal(image, scene.image)  # boxes were drawn


def test_the_cli_answers_like_the_endpoint(client, scene_png, tmp_path) -> None:
    path, _, _ = scene_png
    api = client.post(
        "/detections", files={"file": (path.name, path.read_bytes())}, headers={API_KEY_HEADER: KEY}
    ).json()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert mask_cli.main(["--input", str(path), "--out", str(tmp_path)]) == 0
    cli = json.loads(out.getvalue())
    assert cli["faces"] == api["faces"]
    assert (tmp_path / "scene_annotated.png").is_file()


def test_bad_uploads_get_a_4xx_saying_why(client, tmp_path, capsys) -> None:
    headers = {API_KEY_HEADER: KEY}
    assert client.post("/detections", files={"file": ("a.png", b"x")}).status_code == 401
    response = client.post("/detections", files={"file": ("notes.txt", b"hi")}, headers=headers)
    assert response.status_code == 422 and "unsupported type .txt" in response.json()["message"]
    response = client.post("/detections", files={"file": ("a.png", b"not a png")}, headers=headers)
    assert response.status_code == 422 and "cannot decode" in response.json()["message"]
    response = client.post(
        "/detections", files={"file": ("a.mp4", b"not a video")}, headers=headers
    )
    assert response.status_code == 422
    assert client.get(f"/detections/{'0' * 32}/annotated", headers=headers).status_code == 404
    assert client.get("/detections/..%2F..%2Fetc/annotated", headers=headers).status_code in (
        404,
        422,
    )
    assert mask_cli.main(["--input", str(tmp_path / "missing.png")]) == 2
    assert "no such file" in capsys.readouterr().err
