"""Inside a service image: `python -m week24_deploy.container start|health`.

The image's SERVICE (ML_ROADMAP_SERVICE) names an app of shared/apps.py; `start` runs its command
on 0.0.0.0 and its default port, with the model folder from ML_ROADMAP_MODELS (a volume) for the
services that serve saved models; `health` exits 0 when the app's health path answers 200 (the
image's HEALTHCHECK). Everything the service reads (DATABASE_URL, ML_ROADMAP_API_KEY, ...) comes
from the environment.
"""

from __future__ import annotations

import os
import shlex
import sys
import urllib.request
from collections.abc import Mapping

from shared.apps import APPS, App

# Services whose command takes --models (the folder of saved models, mounted as a volume).
TAKES_MODELS = {"loan-service", "loan-approval", "face-mask"}
# Services that find their models through environment variables instead, with each one's folder
# (None: ML_ROADMAP_MODELS): the sentiment dashboard's TF-IDF model on /models and week 15's
# transformer, exported to ONNX (`python -m week24_deploy export-sentiment --out DIR`), on its
# own volume (week22_capstone.sentiment.models.MODELS_ENV and TRANSFORMER_ENV).
FOLDERS_FROM_ENV = {"sentiment": {"WEEK22_MODELS": None, "WEEK22_TRANSFORMER": "/transformer"}}
# Week 23's apps that draw with week 20's diffusion model read it from the models volume
# (week23_genai_capstone.art.TEXT_TO_IMAGE_ENV, shared/upstream.py's `week20.text_to_image`).
MODEL_FOLDERS_FROM_ENV = {
    "gallery": ("WEEK23_TEXT_TO_IMAGE", "text_to_image"),
    "story": ("WEEK23_TEXT_TO_IMAGE", "text_to_image"),
}
# Where a service writes what it keeps, on the /data volume (the code under /app is read-only to
# the image's user): the face-mask API's annotated copies (mask_service.OUTPUTS_ENV), the
# gallery's SQLite file and PNGs (week23_genai_capstone.gallery.store.GALLERY_ENV).
OUTPUTS_IN_DATA = {
    "face-mask": ("WEEK22_MASK_OUTPUTS", "/data/mask_api"),
    "gallery": ("WEEK23_GALLERY", "/data/gallery"),
}


def service() -> App:
    """The app this container runs, from ML_ROADMAP_SERVICE; SystemExit with the choices if unset."""
    name = os.environ.get("ML_ROADMAP_SERVICE", "")
    for app in APPS:
        if app.name == name:
            return app
    choices = ", ".join(a.name for a in APPS)
    raise SystemExit(f"ML_ROADMAP_SERVICE={name!r} names no app; choose one of: {choices}")


def command(app: App) -> list[str]:
    """The app's start command, listening on every interface of the container."""
    argv = shlex.split(app.command)
    argv[0] = sys.executable
    argv += ["--host", "0.0.0.0", "--port", str(app.port)]
    if app.name in TAKES_MODELS:
        argv += ["--models", os.environ.get("ML_ROADMAP_MODELS", "/models")]
    return argv


def environment(app: App, environ: Mapping[str, str]) -> dict[str, str]:
    """The service's environment: the model folders where it reads them from variables (week
    20's diffusion model under the models volume for week 23's gallery and storybook), and the
    folder on /data where it keeps its outputs."""
    env = dict(environ)
    models = env.get("ML_ROADMAP_MODELS", "/models")
    for name, default in FOLDERS_FROM_ENV.get(app.name, {}).items():
        env.setdefault(name, models if default is None else default)
    if app.name in MODEL_FOLDERS_FROM_ENV:
        variable, folder = MODEL_FOLDERS_FROM_ENV[app.name]
        env.setdefault(variable, f"{models}/{folder}")
    if app.name in OUTPUTS_IN_DATA:
        env.setdefault(*OUTPUTS_IN_DATA[app.name])
    return env


def main(argv: list[str]) -> int:
    """`start` replaces this process with the service; `health` checks it answers."""
    app = service()
    if argv == ["start"]:
        os.execve(sys.executable, command(app), environment(app, os.environ))
    if argv == ["health"]:
        url = f"http://127.0.0.1:{app.port}{app.health}"
        try:
            with urllib.request.urlopen(url, timeout=4) as reply:
                return 0 if reply.status == 200 else 1
        except OSError as exc:
            print(f"{url}: {exc}", file=sys.stderr)
            return 1
    print("usage: python -m week24_deploy.container start|health", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
