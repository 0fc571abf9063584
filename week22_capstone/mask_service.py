"""The face-mask API: POST an image or a short video, get boxes, labels and an annotated file.

POST /detections (multipart, field `file`, API key) runs week 13's detector and classifier on
the upload (mask.py, the same code as the CLI) and answers with the faces and the URL of the
annotated copy; GET /detections/{id}/annotated returns that file. Uploads and outputs live in
one folder per request, named by a random id. Errors follow `shared.api`'s contract: a file
that is not an image or video OpenCV can decode is a 422 saying so.
"""

import re
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, File, HTTPException, UploadFile, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel

from shared.api import KeyedSettings, api_key_from_env, creating, guarded, service_app
from shared.paths import REPORTS_DIR
from week13_cv_advanced.video import VideoError
from week22_capstone.mask import IMAGE_SUFFIXES, VIDEO_SUFFIXES, detect_file, mask_pipeline
from week22_capstone.mask_cli import WEEK13_MODELS

MAX_UPLOAD_BYTES = 50 << 20
DEFAULT_OUTPUTS = REPORTS_DIR / "week22" / "mask_api"
DetectionId = Annotated[str, PathParam(pattern="^[0-9a-f]{32}$", description="a detection's id")]


@dataclass(frozen=True)
class MaskSettings(KeyedSettings):
    """The API key uploads need, and where uploads and annotated files are kept."""

    api_key: str
    outputs: Path


def settings_from_env(environ: Mapping[str, str] | None = None) -> MaskSettings:
    """ML_ROADMAP_API_KEY; outputs under reports/week22/mask_api."""
    return MaskSettings(api_key_from_env(environ, "the mask API"), DEFAULT_OUTPUTS)


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
    settings: MaskSettings, week13_models: Path = WEEK13_MODELS, pipeline=None
) -> FastAPI:
    """Return the API; `pipeline` defaults to week 13's (its fine-tuned classifier when saved)."""
    pipeline = pipeline or mask_pipeline(week13_models)

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

    @app.post("/detections", response_model=Detection, **creating("detections"))
    def detect(file: Annotated[UploadFile, File(description="an image or a short video")]):
        """Find faces, label each mask / no mask, and keep an annotated copy."""
        suffix = Path(file.filename or "").suffix.lower()
        if suffix not in IMAGE_SUFFIXES + VIDEO_SUFFIXES:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"file: unsupported type {suffix or '(none)'}; send an image "
                f"({', '.join(IMAGE_SUFFIXES)}) or a video ({', '.join(VIDEO_SUFFIXES)})",
            )
        detection_id = uuid.uuid4().hex
        folder = settings.outputs / detection_id
        folder.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            upload = Path(tmp) / f"upload{suffix}"
            with upload.open("wb") as out:
                while chunk := file.file.read(1 << 20):
                    out.write(chunk)
            try:
                summary = detect_file(upload, folder, pipeline)
            except VideoError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                message = re.sub(r"^upload\.\w+", "file", str(exc))
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message) from None
        url = f"/detections/{detection_id}/annotated"
        return Detection(id=detection_id, annotated_url=url, **_without_path(summary))

    @app.get(
        "/detections/{detection_id}/annotated",
        response_class=FileResponse,
        **guarded("detections", "no such detection"),
    )
    def annotated(detection_id: DetectionId) -> FileResponse:
        """The annotated image (PNG) or video (MP4) of one detection."""
        files = sorted((settings.outputs / detection_id).glob("*_annotated.*"))
        if not files:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no detection has id {detection_id}")
        media = "video/mp4" if files[0].suffix == ".mp4" else "image/png"
        return FileResponse(files[0], media_type=media, filename=files[0].name)

    return app


def _without_path(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "annotated"}
