"""The face-mask API: POST an image or a short video, get boxes, labels and an annotated file.

POST /detections (multipart, field `file`, API key, optional `threshold` in (0, 1)) runs week
13's detector and classifier on the upload (mask.py, the same code as the CLI) and answers with
the faces and the URL of the annotated copy; GET /detections/{id}/annotated returns that file.
Each detection keeps one folder, named by its id, holding the annotated copy and the answer;
only the newest `MaskSettings.keep` are kept, older ones are deleted as new ones arrive. With an
`Idempotency-Key`, the id is derived from the key, so a retry of the same upload answers the
stored detection instead of running it again. Errors follow `shared.api`'s contract: a file that
is not an image or video the service can read is a 422 saying why, naming no server path.
"""

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, File, HTTPException, Query, Response, UploadFile, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel

from shared.api import (
    IdempotencyKey,
    Problem,
    creating,
    guarded,
    same_request,
    service_app,
)
from shared.atomic import write_text_atomic
from shared.paths import REPORTS_DIR
from shared.settings import KeyedSettings, api_key_from_env
from week13_cv_advanced.video import VideoError
from week22_capstone.mask.cli import WEEK13_MODELS
from week22_capstone.mask.detect import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    detect_file,
    mask_pipeline,
    with_threshold,
)

MAX_UPLOAD_BYTES = 50 << 20
DEFAULT_OUTPUTS = REPORTS_DIR / "week22" / "mask_api"
OUTPUTS_ENV = "WEEK22_MASK_OUTPUTS"  # the image keeps detections on its /data volume
DEFAULT_KEEP = 100  # detections kept on disk (a 300-frame video's copy is tens of MB at most)
ANSWER_FILE = "answer.json"
ID_PATTERN = "^[0-9a-f]{32}$"
DetectionId = Annotated[str, PathParam(pattern=ID_PATTERN, description="a detection's id")]
Threshold = Annotated[
    float, Query(gt=0, lt=1, description="SSD face confidence a box needs to count as a face")
]


@dataclass(frozen=True)
class MaskSettings(KeyedSettings):
    """The API key uploads need, where detections are kept, and how many of them."""

    api_key: str
    outputs: Path
    keep: int = DEFAULT_KEEP

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.keep < 1:
            raise ValueError(f"keep must be at least 1 detection, not {self.keep}")


def settings_from_env(environ: Mapping[str, str] | None = None) -> MaskSettings:
    """ML_ROADMAP_API_KEY; outputs in $WEEK22_MASK_OUTPUTS, else under reports/week22/mask_api."""
    outputs = (os.environ if environ is None else environ).get(OUTPUTS_ENV)
    key = api_key_from_env(environ, "the mask API")
    return MaskSettings(key, Path(outputs) if outputs else DEFAULT_OUTPUTS)


class Face(BaseModel):
    """One face: the frame it is in, its box (x1, y1, x2, y2 px), label and probability."""

    frame: int
    box: list[float]
    label: str
    probability: float


class Detection(BaseModel):
    """What was found in one upload, and where its annotated copy is."""

    id: str
    kind: str
    frames: int
    faces: list[Face]
    masked: int
    annotated_url: str


def create_app(
    settings: MaskSettings,
    week13_models: Path = WEEK13_MODELS,
    pipeline=None,
    backend: str | None = None,
) -> FastAPI:
    """Return the API; `pipeline` defaults to week 13's on `backend` (mask.mask_pipeline)."""
    pipeline = pipeline or mask_pipeline(week13_models, backend=backend)
    # One network serves every request; OpenCV's setInput/forward pair is not thread-safe.
    busy = threading.Lock()

    async def lifespan(app: FastAPI):
        yield

    app = service_app(
        title="Face-mask detection API",
        summary="Week 13's face detector and mask classifier on an uploaded image or video.",
        lifespan=lifespan,
        settings=settings,
        max_body_bytes=MAX_UPLOAD_BYTES,
    )

    @app.get("/health", tags=["service"])
    def health() -> dict:
        """Liveness, and which classifier is loaded."""
        return {"status": "ok", "classifier": pipeline.classifier.name}

    create = creating("detections")
    create["responses"] = create["responses"] | {
        409: {"model": Problem, "description": "a request with this Idempotency-Key is running"}
    }

    @app.post("/detections", response_model=Detection, **create)
    def detect(
        file: Annotated[UploadFile, File(description="an image or a short video")],
        response: Response,
        idempotency_key: IdempotencyKey = None,
        threshold: Threshold = 0.5,
    ) -> Detection:
        """Find faces, label each mask / no mask, and keep an annotated copy."""
        suffix = Path(file.filename or "").suffix.lower()
        if suffix not in IMAGE_SUFFIXES + VIDEO_SUFFIXES:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"file: unsupported type {suffix or '(none)'}; send an image "
                f"({', '.join(IMAGE_SUFFIXES)}) or a video ({', '.join(VIDEO_SUFFIXES)})",
            )
        with tempfile.TemporaryDirectory() as tmp:
            upload = Path(tmp) / f"upload{suffix}"
            request = {"sha256": _save(file, upload), "suffix": suffix, "threshold": threshold}
            detection_id = _id_of(idempotency_key)
            folder = settings.outputs / detection_id
            stored = _stored(folder)
            if stored is not None:
                same_request(stored["request"], request)
                response.headers["Idempotent-Replayed"] = "true"
                return Detection.model_validate(stored["detection"])
            _claim(folder)
            try:
                with busy:
                    summary = detect_file(upload, folder, with_threshold(pipeline, threshold))
            except VideoError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                message = _public(str(exc), Path(tmp), folder)
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message) from None
        url = f"/detections/{detection_id}/annotated"
        detection = Detection(id=detection_id, annotated_url=url, **_without_path(summary))
        answer = {"idempotency_key": idempotency_key, "request": request}
        answer["detection"] = detection.model_dump()
        write_text_atomic(folder / ANSWER_FILE, json.dumps(answer))
        prune(settings.outputs, settings.keep)
        return detection

    @app.get(
        "/detections/{detection_id}/annotated",
        response_class=FileResponse,
        **guarded("detections", "no such detection (or no longer kept)"),
    )
    def annotated(detection_id: DetectionId) -> FileResponse:
        """The annotated image (PNG) or video (MP4) of one detection."""
        files = sorted((settings.outputs / detection_id).glob("*_annotated.*"))
        if not files:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no detection has id {detection_id}")
        media = "video/mp4" if files[0].suffix == ".mp4" else "image/png"
        return FileResponse(files[0], media_type=media, filename=files[0].name)

    return app


def prune(outputs: Path, keep: int) -> int:
    """Delete all but the newest `keep` detection folders; return how many were deleted."""
    folders = [p for p in outputs.iterdir() if p.is_dir() and re.match(ID_PATTERN, p.name)]
    folders.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return len(folders[keep:])


def _save(file: UploadFile, path: Path) -> str:
    """Copy the upload to `path` in 1 MiB chunks; return its sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _id_of(idempotency_key: str | None) -> str:
    """A new random id, or the one an Idempotency-Key always maps to."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]


def _stored(folder: Path) -> dict | None:
    """The answer kept in a detection's folder, or None when it has none (yet)."""
    try:
        return json.loads((folder / ANSWER_FILE).read_text())
    except FileNotFoundError:
        return None


def _claim(folder: Path) -> None:
    """Create the detection's folder; 409 when a request with the same key is still running."""
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "a request with this Idempotency-Key is still being processed; retry in a moment",
        ) from None


def _public(message: str, *folders: Path) -> str:
    """`message` without the server's folders in it, the upload called `file`."""
    for folder in folders:
        message = message.replace(f"{folder}/", "").replace(str(folder), "the server's folder")
    return re.sub(r"\bupload\.\w+", "file", message)


def _without_path(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "annotated"}
