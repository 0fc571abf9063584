"""The face-mask capstone: the endpoint and the CLI on a built scene, and bad uploads.

Issue 26's cases: a decompression bomb is refused from its header without decoding, a truncated
JPEG is refused, no error names a server path, thresholds stay in (0, 1), retries with an
Idempotency-Key create one detection, old detections are deleted, and `--out FILE` is one line.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from shared.api import API_KEY_HEADER
from shared.context import RunContext
from week22_capstone.mask import cli as mask_cli
from week22_capstone.mask.cli import WEEK13_MODELS, build_parser
from week22_capstone.mask.detect import mask_pipeline
from week22_capstone.mask.image_input import image_size
from week22_capstone.mask.service import MaskSettings, create_app, prune
from week22_capstone.projects.face_mask import labelled_scenes, score

KEY = "week22-mask-key-0123"
HEADERS = {API_KEY_HEADER: KEY}


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def zeros_deflated(size: int) -> bytes:
    """A zlib stream of `size` zero bytes, built without compressing them all.

    After a full flush each 1 MiB block of zeros deflates to the same bytes, so one block is
    compressed and repeated; the Adler-32 of n zeros is (n mod 65521) << 16 | 1.
    """
    block = 1 << 20
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    once = deflate.compress(bytes(block)) + deflate.flush(zlib.Z_FULL_FLUSH)
    blocks, rest = divmod(size, block)
    tail = deflate.compress(bytes(rest)) + deflate.flush(zlib.Z_FINISH)
    checksum = struct.pack(">I", (size % 65521) << 16 | 1)
    return b"\x78\xda" + once * blocks + tail + checksum


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A real decompression bomb: a black greyscale PNG of width x height pixels, under 1 MB.

    At 30000 x 30000 it is issue 26's file: 0.9 GB of pixels, 2.7 GB once decoded as BGR.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zeros_deflated((1 + width) * height))
        + png_chunk(b"IEND", b"")
    )


def small_image(suffix: str = ".png", seed: int = 0) -> bytes:
    """A 64 x 48 image of noise (no face), encoded as `suffix`."""
    pixels = np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    return cv2.imencode(suffix, pixels)[1].tobytes()


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any pixel decoding (Pillow's or OpenCV's) fail the test."""
    from PIL import ImageFile

    def decoded(*args, **kwargs):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)
    monkeypatch.setattr(cv2, "imread", decoded)
    monkeypatch.setattr(cv2, "imdecode", decoded)


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
    assert response.status_code == 422 and "not a PNG, JPEG or BMP" in response.json()["message"]
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


def test_a_decompression_bomb_is_refused_from_its_header(no_decoding, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png())
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(ValueError, match="over the limit of 4096x4096"):
        image_size(bomb)
    under_pillows_own_guard = tmp_path / "big.png"
    under_pillows_own_guard.write_bytes(bomb_png(5000, 5000))
    with pytest.raises(ValueError, match="5000x5000 px is over"):
        image_size(under_pillows_own_guard)


def test_the_api_refuses_a_bomb_without_decoding_it(client, no_decoding) -> None:
    files = {"file": ("bomb.png", bomb_png())}
    response = client.post("/detections", files=files, headers=HEADERS)
    assert response.status_code == 422
    assert "over the limit of 4096x4096" in response.json()["message"]


def test_refusing_a_real_bomb_costs_no_memory(client) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    files = {"file": ("bomb.png", bomb_png())}
    response = client.post("/detections", files=files, headers=HEADERS)
    assert response.status_code == 422
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    assert grown < 300_000, f"peak memory grew by {grown} KiB; decoding takes 2.7 GB"


def test_the_cli_refuses_a_bomb_before_loading_a_model(no_decoding, tmp_path, capsys, monkeypatch):
    import week22_capstone.mask.detect as mask

    def loaded(*args, **kwargs):
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(mask, "mask_pipeline", loaded)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png())
    assert mask_cli.main(["--input", str(bomb), "--out", str(tmp_path / "out")]) == 2
    assert "over the limit of 4096x4096" in capsys.readouterr().err


def test_a_truncated_jpeg_is_refused(client, tmp_path, capsys) -> None:
    whole = small_image(".jpg")
    cut = whole[: len(whole) // 2]
    response = client.post("/detections", files={"file": ("cut.jpg", cut)}, headers=HEADERS)
    assert response.status_code == 422 and "truncated" in response.json()["message"]
    path = tmp_path / "cut.jpg"
    path.write_bytes(cut)
    assert mask_cli.main(["--input", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "cut.jpg: the image is truncated" in capsys.readouterr().err
    ok = client.post("/detections", files={"file": ("whole.jpg", whole)}, headers=HEADERS)
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize(
    ("name", "content"),
    [("x.mp4", b"just some text\n" * 50), ("x.png", b"text"), ("x.jpg", b"\xff\xd8\xff")],
)
def test_no_error_names_a_server_path(client, name: str, content: bytes) -> None:
    response = client.post("/detections", files={"file": (name, content)}, headers=HEADERS)
    assert response.status_code == 422
    message = response.json()["message"]
    assert "/" not in message and "upload" not in message and "tmp" not in message, message
    assert message.startswith("file: ")


@pytest.mark.parametrize("threshold", ["0", "1", "1.5", "-0.2", "nan", "half"])
def test_a_threshold_outside_0_1_is_refused(client, threshold: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--input", "a.png", "--threshold", threshold])
    assert exit_.value.code == 2 and "--threshold" in capsys.readouterr().err
    files = {"file": ("a.png", small_image())}
    response = client.post(
        "/detections", files=files, params={"threshold": threshold}, headers=HEADERS
    )
    assert response.status_code == 422 and "threshold" in response.json()["message"]


def test_a_threshold_inside_0_1_is_used(client) -> None:
    files = {"file": ("a.png", small_image())}
    low = client.post("/detections", files=files, params={"threshold": 0.05}, headers=HEADERS)
    high = client.post("/detections", files=files, params={"threshold": 0.99}, headers=HEADERS)
    assert low.status_code == high.status_code == 201
    assert len(low.json()["faces"]) >= len(high.json()["faces"])


def test_out_naming_a_file_is_one_line(tmp_path: Path, capsys) -> None:
    image, out = tmp_path / "a.png", tmp_path / "taken.txt"
    image.write_bytes(small_image())
    out.write_text("mine")
    assert mask_cli.main(["--input", str(image), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file" in err and "Traceback" not in err
    assert out.read_text() == "mine"


def test_a_retry_with_the_same_idempotency_key_creates_one_detection(client) -> None:
    files = {"file": ("a.png", small_image())}
    headers = {**HEADERS, "Idempotency-Key": "retry-7f3a"}
    first = client.post("/detections", files=files, headers=headers)
    again = client.post("/detections", files=files, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    other = client.post(
        "/detections", files={"file": ("b.png", small_image(seed=1))}, headers=headers
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["message"]
    fresh = client.post("/detections", files=files, headers=HEADERS)
    assert fresh.json()["id"] != first.json()["id"]
    for bad in ("", "x" * 201, "has space"):
        response = client.post(
            "/detections", files=files, headers={**HEADERS, "Idempotency-Key": bad}
        )
        assert response.status_code == 422, bad


def test_only_the_newest_detections_are_kept(tmp_path: Path) -> None:
    settings = MaskSettings(KEY, tmp_path, keep=2)
    app = create_app(settings, pipeline=mask_pipeline(WEEK13_MODELS))
    with TestClient(app, headers=HEADERS) as api:
        urls = [
            api.post("/detections", files={"file": (f"{i}.png", small_image(seed=i))}).json()
            for i in range(3)
        ]
        assert api.get(urls[0]["annotated_url"]).status_code == 404
        assert all(api.get(u["annotated_url"]).status_code == 200 for u in urls[1:])
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2
    assert prune(tmp_path, 1) == 1
    with pytest.raises(ValueError, match="keep"):
        MaskSettings(KEY, tmp_path, keep=0)


def test_reads_need_the_key(client) -> None:
    created = client.post("/detections", files={"file": ("a.png", small_image())}, headers=HEADERS)
    url = created.json()["annotated_url"]
    assert client.get(url).status_code == 401
    assert client.get(url, headers=HEADERS).status_code == 200
    assert client.get("/health").status_code == 200


def test_a_retry_while_the_first_request_runs_is_a_conflict(client) -> None:
    import hashlib

    key = "still-running-1"
    running = client.app.state.settings.outputs / hashlib.sha256(key.encode()).hexdigest()[:32]
    running.mkdir()  # as the first request does before it detects
    files = {"file": ("a.png", small_image())}
    response = client.post("/detections", files=files, headers={**HEADERS, "Idempotency-Key": key})
    assert response.status_code == 409 and "still being processed" in response.json()["message"]


def test_outputs_go_where_week22_mask_outputs_says(tmp_path: Path) -> None:
    from week22_capstone.mask.service import DEFAULT_OUTPUTS, OUTPUTS_ENV, settings_from_env

    env = {"ML_ROADMAP_API_KEY": KEY}
    assert settings_from_env(env).outputs == DEFAULT_OUTPUTS
    assert settings_from_env({**env, OUTPUTS_ENV: str(tmp_path)}).outputs == tmp_path
