"""The service images built from week24_deploy/docker/Dockerfile, run for real: the hub and
week 22's two dashboards with `--network none` (their models and data on volumes; the sentiment
dashboard's three models, week 15's MiniLM from its fast run exported to ONNX), week 18's
service and week 22's loan API beside PostgreSQL on a private network with their models on a
read-only volume; each health-checked through a port published on 127.0.0.1, the dashboards
also used in headless Chromium. The face-mask image (ONNX Runtime, no torch) runs with `--network
none` and answers a scene PNG uploaded through its published port with boxes, labels and the
annotated PNG. .ci/docker.sh (`make docker`) builds the images; without a
Docker daemon or the images every test skips."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from docker_support import docker, wait_until, why_not_runnable

from shared.apps import APPS
from shared.servers import answers

APP = {app.name: app for app in APPS}
# The images built from week24_deploy/docker/Dockerfile (week 8's has its own Dockerfile).
IMAGES = {app.name: app.image for app in APPS if app.image and app.package != "week08_fastapi"}
DB_IMAGE = "ml-roadmap-postgres"
DATABASE_URL = "postgresql+psycopg://ml_roadmap:ml_roadmap@db:5432/ml_roadmap"
START_SECONDS = 120


def skip_unless_runnable(*images: str) -> None:
    """Skip the test, saying why, without a Docker client, daemon or the built images."""
    reason = why_not_runnable(*images)
    if reason:
        pytest.skip(reason)


def start(name: str, *options: str) -> tuple[str, str]:
    """Run the service's image detached, its port published on 127.0.0.1; return (id, url)."""
    app = APP[name]
    container = f"ml-roadmap-test-{name}-{secrets.token_hex(4)}"
    docker("run", "-d", "--name", container, "-p", f"127.0.0.1::{app.port}", *options, IMAGES[name])
    host_port = docker("port", container, f"{app.port}/tcp").splitlines()[0]
    assert host_port.startswith("127.0.0.1:"), f"{name} is published on {host_port}"
    url = f"http://{host_port}"
    try:
        wait_until(lambda: answers(f"{url}{app.health}"), "not healthy", container, START_SECONDS)
    except BaseException:
        remove(container)
        raise
    return container, url


def remove(*containers: str) -> None:
    """Remove containers, running or not."""
    for container in containers:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)


def exec_ok(container: str, *argv: str) -> bool:
    """True when `argv` exits 0 inside the container."""
    done = subprocess.run(["docker", "exec", container, *argv], capture_output=True, timeout=30)
    return done.returncode == 0


@pytest.fixture
def network() -> Iterator[str]:
    """A fresh private bridge network, removed afterwards (a skip where there is no daemon)."""
    skip_unless_runnable()
    name = f"ml-roadmap-test-{secrets.token_hex(4)}"
    docker("network", "create", name)
    try:
        yield name
    finally:
        docker("network", "rm", name)


def start_offline(name: str, *options: str) -> str:
    """Run the service's image with `--network none` until its own health check passes."""
    container = f"ml-roadmap-test-{name}-{secrets.token_hex(4)}"
    docker("run", "-d", "--name", container, "--network", "none", *options, IMAGES[name])
    try:
        health = ["python", "-m", "week24_deploy.container", "health"]
        wait_until(lambda: exec_ok(container, *health), "not healthy", container, START_SECONDS)
    except BaseException:
        remove(container)
        raise
    return container


def test_hub_image_runs_with_no_network_as_an_unprivileged_user() -> None:
    skip_unless_runnable(IMAGES["hub"])
    container = start_offline("hub")
    try:
        probe = "import os, sys; print(os.getuid(), sys.version_info[:2])"
        assert docker("exec", container, "python", "-c", probe) == "10001 (3, 11)"
    finally:
        remove(container)


def test_hub_image_serves_its_page_on_127_0_0_1(network: str) -> None:
    skip_unless_runnable(IMAGES["hub"])
    container, url = start("hub", "--network", network)
    try:
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "<title>" in page.text.lower()
    finally:
        remove(container)


def test_loan_service_image_serves_models_from_a_volume_with_postgresql(
    network: str, postgres: str, tmp_path: Path
) -> None:
    skip_unless_runnable(IMAGES["loan-service"])
    from week18_databases.catalog import build_models

    models = readable(build_models(tmp_path / "models"))
    settings = ["-e", f"DATABASE_URL={postgres}", "-e", "ML_ROADMAP_API_KEY=" + "k" * 24]
    volume = ["-v", f"{models}:/models:ro"]
    container, url = start("loan-service", "--network", network, *settings, *volume)
    try:
        health = httpx.get(f"{url}/health", timeout=10)
        assert health.status_code == 200 and "postgresql" in health.text, health.text
    finally:
        remove(container)


def readable(folder: Path, writable: bool = False) -> Path:
    """Open `folder` to the image's unprivileged user (uid 10001): read, and write if asked."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o777 if writable else 0o755)
        else:
            path.chmod(0o666 if writable else 0o644)
    return folder


@pytest.fixture
def postgres(network: str) -> Iterator[str]:
    """A PostgreSQL container reachable as `db` on the private network; removed afterwards."""
    skip_unless_runnable(DB_IMAGE)
    db = f"ml-roadmap-test-db-{secrets.token_hex(4)}"
    docker("run", "-d", "--name", db, "--network", network, "--network-alias", "db", DB_IMAGE)
    try:
        probe = ["pg_isready", "-q", "-h", "127.0.0.1", "-U", "ml_roadmap"]
        wait_until(lambda: exec_ok(db, *probe), "not healthy", db, START_SECONDS)
        yield DATABASE_URL
    finally:
        remove(db)


def test_loan_approval_image_decides_and_audits_into_postgresql(
    network: str, postgres: str, tmp_path: Path
) -> None:
    skip_unless_runnable(IMAGES["loan-approval"])
    from week18_databases.loans import inputs_of
    from week22_capstone.loan.model import read_applications, train_and_save

    model, _ = train_and_save(tmp_path / "models")
    key = "k" * 24
    settings = ["-e", f"DATABASE_URL={postgres}", "-e", f"ML_ROADMAP_API_KEY={key}"]
    volume = ["-v", f"{readable(model.parent)}:/models:ro"]
    container, url = start("loan-approval", "--network", network, *settings, *volume)
    try:
        health = httpx.get(f"{url}/health", timeout=10).json()
        assert health["database"] == "postgresql", health
        application = inputs_of(read_applications()[0].iloc[0])
        headers = {"X-API-Key": key}
        decided = httpx.post(f"{url}/decisions", json=application, headers=headers, timeout=10)
        assert decided.status_code == 201, decided.text
        assert "threshold" in decided.json()["explanation"]
        audit = httpx.get(f"{url}/decisions", headers=headers, timeout=10).json()
        assert [row["id"] for row in audit["items"]] == [decided.json()["id"]]
    finally:
        remove(container)


@pytest.fixture
def sentiment_models(tmp_path: Path) -> Path:
    """A folder holding a TF-IDF model fitted on 600 tweets."""
    from week22_capstone.sentiment.models import train_tfidf

    return readable(train_tfidf(tmp_path / "models", limit=600).parent)


@pytest.fixture
def sentiment_cache(tmp_path: Path) -> Path:
    """A registry cache holding VADER's lexicon, writable by the image's user."""
    from shared.paths import cache_dir
    from shared.registry import fetch

    fetch("vader_lexicon")
    cache = tmp_path / "cache"
    shutil.copytree(cache_dir() / "vader_lexicon", cache / "vader_lexicon", ignore=_locks)
    return readable(cache, True)


@pytest.fixture
def sentiment_volumes(
    request: pytest.FixtureRequest, sentiment_models: Path, sentiment_cache: Path, tmp_path: Path
) -> list[str]:
    """`-v` options: the TF-IDF model, VADER's lexicon, and week 15's MiniLM (its fast run)
    exported to ONNX into a folder of its own, mounted where the image looks (/transformer)."""
    skip_unless_runnable(IMAGES["sentiment"])
    from week22_capstone.sentiment.export import export_transformer

    transformer = tmp_path / "transformer"
    export_transformer(request.getfixturevalue("fast_minilm"), transformer)
    return [
        *("-v", f"{sentiment_models}:/models:ro", "-v", f"{sentiment_cache}:/data/cache"),
        *("-v", f"{readable(transformer)}:/transformer:ro"),
    ]


def test_sentiment_image_runs_all_three_models_with_no_network(
    sentiment_volumes: list[str],
) -> None:
    container = start_offline("sentiment", *sentiment_volumes)
    probe = (
        "import importlib.util as u; from pathlib import Path; "
        "from week22_capstone.sentiment.models import *; "
        "m = SentimentModels.load(Path('/models'), Path('/transformer')); "
        "row = m.classify(['I love this phone!']).iloc[0]; "
        "print(m.transformer.runtime, u.find_spec('torch'), row['VADER'], row['transformer'])"
    )
    try:
        said = docker("exec", container, "python", "-c", probe)
        assert said.startswith("ONNX Runtime None positive "), said
        assert said.split()[-1] in ("negative", "neutral", "positive")
    finally:
        remove(container)


def test_sentiment_image_shows_three_columns_in_chromium(
    network: str, sentiment_volumes: list[str]
) -> None:
    from browser import open_page

    container, url = start("sentiment", "--network", network, *sentiment_volumes)
    try:
        with open_page(url, text="Sentiment dashboard", timeout_s=120) as visit:
            page = visit.page
            page.get_by_text("runs on ONNX Runtime").first.wait_for(state="visible")
            page.get_by_role("textbox").first.fill("I love this phone, what a great day!")
            page.get_by_role("button", name="Classify").click()
            answer = page.get_by_text("Labels: VADER").first
            answer.wait_for(state="visible")
            said = answer.inner_text()
            assert "VADER positive" in said and "TF-IDF" in said and "transformer" in said
            assert not visit.failures
    finally:
        remove(container)


def test_sentiment_image_names_the_export_for_pytorch_weights(
    request: pytest.FixtureRequest, sentiment_models: Path, sentiment_cache: Path
) -> None:
    skip_unless_runnable(IMAGES["sentiment"])
    weights = readable(request.getfixturevalue("fast_minilm"))  # no export: PyTorch's files only
    volumes = ["-v", f"{sentiment_models}:/models:ro", "-v", f"{sentiment_cache}:/data/cache"]
    volumes += ["-v", f"{weights}:/transformer:ro"]
    probe = (
        "from pathlib import Path; from week22_capstone.sentiment.models import *; "
        "SentimentModels.load(Path('/models'), Path('/transformer'))"
    )
    run = ["docker", "run", "--rm", "--network", "none", *volumes, IMAGES["sentiment"]]
    done = subprocess.run(
        [*run, "python", "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "torch is not installed" in done.stderr and "export-sentiment" in done.stderr


@pytest.fixture
def forecasts_db(tmp_path: Path) -> list[str]:
    """`-e`/`-v` options: a SQLite file of week 18's series and baseline forecasts."""
    folder = tmp_path / "db"
    folder.mkdir()
    store_baseline_forecasts(f"sqlite:///{folder / 'forecasts.sqlite3'}")
    env = ["-e", "WEEK22_FORECAST_DB=sqlite:////forecasts/forecasts.sqlite3"]
    return [*env, "-v", f"{readable(folder, True)}:/forecasts"]


def test_forecast_image_reads_stored_forecasts_with_no_network(forecasts_db: list[str]) -> None:
    skip_unless_runnable(IMAGES["forecast"])
    container = start_offline("forecast", *forecasts_db)
    probe = (
        "from shared.db import make_engine; from week22_capstone.forecast.store import *; "
        "print(*forecast_series(make_engine(forecast_db_url())))"
    )
    try:
        assert docker("exec", container, "python", "-c", probe) == "melbourne_min_temp msft_close"
    finally:
        remove(container)


def test_forecast_image_draws_forecasts_in_chromium(network: str, forecasts_db: list[str]) -> None:
    skip_unless_runnable(IMAGES["forecast"])
    from browser import open_page

    container, url = start("forecast", "--network", network, *forecasts_db)
    try:
        with open_page(url, text="Error by horizon", timeout_s=120) as visit:
            assert visit.page.get_by_text("melbourne_min_temp").first.is_visible()
            assert not visit.failures
    finally:
        remove(container)


@pytest.fixture
def mask_volumes(tmp_path: Path) -> list[str]:
    """`-v` options: week 13's classifier exported to ONNX, a cache holding the res10 SSD."""
    skip_unless_runnable(IMAGES["face-mask"])
    from shared.paths import cache_dir
    from shared.registry import fetch
    from week22_capstone.mask.export import export_mask_classifier

    models = tmp_path / "models"
    export_mask_classifier(models, fetch("keras_mask_classifier"))
    cache = tmp_path / "cache"
    for name in ("res10_ssd_prototxt", "res10_ssd_caffemodel"):
        fetch(name)
        shutil.copytree(cache_dir() / name, cache / name, ignore=_locks)
    return ["-v", f"{readable(models)}:/models:ro", "-v", f"{readable(cache, True)}:/data/cache"]


def test_face_mask_image_has_no_torch_and_runs_with_no_network(mask_volumes: list[str]) -> None:
    container = start_offline("face-mask", "-e", "ML_ROADMAP_API_KEY=" + "k" * 24, *mask_volumes)
    probe = "import importlib.util as u, os; print(os.getuid(), u.find_spec('torch'))"
    try:
        assert docker("exec", container, "python", "-c", probe) == "10001 None"
    finally:
        remove(container)


def test_face_mask_image_finds_faces_in_an_uploaded_scene(
    network: str, mask_volumes: list[str], tmp_path: Path
) -> None:
    import cv2
    import numpy as np

    from shared.context import RunContext
    from week22_capstone.projects.face_mask import labelled_scenes

    scenes, _ = labelled_scenes(RunContext(22, "test", tmp_path), 2)
    scene = max(scenes, key=lambda s: len(s.boxes)).image
    key = "k" * 24
    settings = ["--network", network, "-e", f"ML_ROADMAP_API_KEY={key}"]
    container, url = start("face-mask", *settings, *mask_volumes)
    try:
        assert "ONNX Runtime" in httpx.get(f"{url}/health", timeout=10).json()["classifier"]
        headers = {"X-API-Key": key}
        upload = {"file": ("scene.png", cv2.imencode(".png", scene)[1].tobytes(), "image/png")}
        found = httpx.post(f"{url}/detections", files=upload, headers=headers, timeout=120)
        assert found.status_code == 201, found.text
        faces = found.json()["faces"]
        assert faces and all(
            len(f["box"]) == 4 and f["label"] in ("mask", "no_mask") for f in faces
        )
        annotated = httpx.get(url + found.json()["annotated_url"], headers=headers, timeout=30)
        assert annotated.status_code == 200 and annotated.headers["content-type"] == "image/png"
        image = cv2.imdecode(np.frombuffer(annotated.content, np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == scene.shape and not np.array_equal(image, scene)
    finally:
        remove(container)


def store_baseline_forecasts(url: str) -> None:
    """Week 18's two series and their baseline forecasts (no torch) stored at `url`."""
    from shared.db import make_engine
    from shared.registry import fetch
    from week18_databases import migrate
    from week18_databases.forecasts import SERIES, baseline_forecasts
    from week18_databases.observations import ingest, store_forecasts

    engine = make_engine(url)
    migrate.upgrade(engine)
    for name, (entry, reader, model, season) in SERIES.items():
        values = reader(fetch(entry)).rename(name).iloc[-800:]
        ingest(engine, values)
        store_forecasts(engine, baseline_forecasts(values, name, model, season, 3))
    engine.dispose()


def _locks(folder: str, names: list[str]) -> list[str]:
    """Leave the host's lock files behind when copying a cache entry."""
    return [name for name in names if name.endswith(".lock")]


# Week 23's apps: images on the trixie base, torch from Debian. Every model comes from a volume:
# MiniLM and the DCGAN from a registry cache on /data/cache, week 20's diffusion model (a --fast
# run's) on /models, and the chat model from /chat: tests/tiny_llama.py's random 1-layer Llama
# on SmolLM2's tokenizer, as week 23's own tests use (SmolLM2's dequantized copy is 540 MB).
KEY = "week23-image-key-0123"
HEALTH = ["python", "-m", "week24_deploy.container", "health"]
QUESTION = "Which command starts the chatbot API?"


def registry_cache(folder: Path, *names: str) -> Path:
    """A registry cache under `folder` (its folders writable by the image's user) holding `names`:
    hard links to this machine's cache, whose files are readable by all."""
    from shared.paths import cache_dir
    from shared.registry import fetch

    for name in names:
        fetch(name)
        shutil.copytree(
            cache_dir() / name, folder / "cache" / name, ignore=_locks, copy_function=os.link
        )
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o777)
    return folder


@pytest.fixture(scope="module")
def week20_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Week 20's text-to-image model from its --fast run, in a models folder of its own."""
    skip_unless_runnable(IMAGES["gallery"], IMAGES["story"])
    from shared.cli import run_week
    from week20_genai_multimodal import __main__ as week20

    out = tmp_path_factory.mktemp("week20")
    argv = ["--fast", "--project", "text_to_image", "--out", str(out), "--device", "cpu"]
    assert run_week(week20.WEEK, week20.TITLE, week20.PROJECTS, argv) == 0
    return readable(out / "models")


@pytest.fixture(scope="module")
def tiny_chat_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny chat model's folder, readable by the image's user."""
    from tiny_llama import build_tiny_llama

    return readable(build_tiny_llama(tmp_path_factory.mktemp("tiny_llama")))


@pytest.fixture
def chat_data(tmp_path: Path) -> Path:
    """The chat service's /data: its SQLite history (written there), MiniLM in the cache, and
    week 23's README as the course notes (MiniLM indexes one week in seconds, not all 24)."""
    from shared.paths import REPO_ROOT

    notes = tmp_path / "data" / "notes" / "week23_genai_capstone"
    notes.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "week23_genai_capstone" / "README.md", notes)
    return registry_cache(tmp_path / "data", "all_minilm_l6_v2")


@pytest.fixture
def chat_options(chat_data: Path, tiny_chat_model: Path) -> list[str]:
    """The chat image's key, its /data volume with the course notes, and the chat model."""
    return [
        *("-e", f"ML_ROADMAP_API_KEY={KEY}", "-e", "WEEK23_COURSE_NOTES=/data/notes"),
        *("-e", "WEEK23_CHAT_MODEL=/chat", "-v", f"{tiny_chat_model}:/chat:ro"),
        *("-v", f"{chat_data}:/data"),
    ]


def test_chat_image_runs_debians_torch_with_no_network(chat_options: list[str]) -> None:
    skip_unless_runnable(IMAGES["chat"])
    container = start_offline("chat", *chat_options)
    probe = "import os, sys, torch; print(os.getuid(), sys.version_info[:2], torch.__version__, torch.__file__)"
    try:
        assert docker("exec", container, "python", "-c", probe) == (
            "10001 (3, 13) 2.6.0+debian /usr/lib/python3/dist-packages/torch/__init__.py"
        )
    finally:
        remove(container)


def test_chat_image_streams_an_answer_and_keeps_it_across_a_restart(
    network: str, chat_options: list[str]
) -> None:
    skip_unless_runnable(IMAGES["chat"])
    from week23_genai_capstone.chat.client import ChatClient, deltas

    container, url = start("chat", "--network", network, *chat_options)
    try:
        client = ChatClient(url, KEY)
        assert client.health()["notes_passages"] > 0
        conversation = client.start("from the image test")["id"]
        done: dict = {}
        text = "".join(deltas(client.stream(conversation, QUESTION, max_new_tokens=24), done))
        assert text.strip() and done["content"] == text
    finally:
        remove(container)
    container, url = start("chat", "--network", network, *chat_options)
    try:
        stored = ChatClient(url, KEY).conversation(conversation)["messages"]
        assert [m["content"] for m in stored][-2:] == [QUESTION, text]
    finally:
        remove(container)


def test_chat_page_image_asks_the_chat_image_in_chromium(
    network: str, chat_options: list[str]
) -> None:
    skip_unless_runnable(IMAGES["chat"], IMAGES["chat-ui"])
    from browser import open_page

    api = f"ml-roadmap-test-chat-api-{secrets.token_hex(4)}"
    options = ["--network", network, "--network-alias", "chat", *chat_options]
    docker("run", "-d", "--name", api, *options, IMAGES["chat"])
    page_options = ["-e", f"ML_ROADMAP_API_KEY={KEY}", "-e", "WEEK23_CHAT_URL=http://chat:8030"]
    try:
        wait_until(lambda: exec_ok(api, *HEALTH), "not healthy", api, START_SECONDS)
        container, url = start("chat-ui", "--network", network, *page_options)
        try:
            with open_page(url, text="Week 23 chatbot", timeout_s=120) as visit:
                page = visit.page
                box = page.get_by_placeholder("Ask about the course")
                box.fill(QUESTION)
                box.press("Enter")
                page.locator('[data-testid="stChatMessage"]').nth(1).wait_for(state="visible")
                assert page.get_by_text(QUESTION).first.is_visible()
                assert not visit.failures
        finally:
            remove(container)
    finally:
        remove(api)


def test_gallery_image_draws_a_picture_and_shows_it_in_chromium(
    network: str, week20_model: Path, tmp_path: Path
) -> None:
    skip_unless_runnable(IMAGES["gallery"])
    from browser import open_page

    data = registry_cache(tmp_path / "data", "all_minilm_l6_v2")
    volumes = ["-v", f"{data}:/data", "-v", f"{week20_model}:/models:ro"]
    container, url = start("gallery", "--network", network, *volumes)
    try:
        docker("exec", container, "python", "-c", DRAW_INTO_GALLERY, timeout=300)
        with open_page(url, text="A red dress, drawn in the image", timeout_s=120) as visit:
            visit.page.locator("img").first.wait_for(state="visible")
            assert not visit.broken_images() and not visit.failures
        assert list((data / "gallery" / "images").glob("*.png"))
    finally:
        remove(container)


# Inside the gallery image, with the service's environment (container.py): week 20's model (from
# /models) draws one picture into the gallery the page reads ($WEEK23_GALLERY on /data), the way
# the week's gallery project stores it.
DRAW_INTO_GALLERY = """
import os
from week24_deploy.container import environment, service
os.environ.update(environment(service(), os.environ))
from shared.db import make_engine
from week20_genai_multimodal.diffusion import load_pipeline
from week23_genai_capstone.art import draw, model_guidance, model_version, text_to_image_folder
from week23_genai_capstone.gallery.store import DATABASE, Gallery, gallery_folder

folder, model = gallery_folder(), text_to_image_folder()
folder.mkdir(parents=True, exist_ok=True)
gallery = Gallery(make_engine(f"sqlite:///{folder / DATABASE}"), folder / "images")
guidance = model_guidance(model)
png = draw(load_pipeline(model), "a red dress", 0, guidance, 10)
gallery.add(prompt="a red dress", seed=0, guidance=guidance, steps=10,
            model_version=model_version(model), caption="A red dress, drawn in the image.", png=png)
"""


def test_story_image_writes_an_illustrated_book_in_chromium(
    network: str, week20_model: Path, tiny_chat_model: Path, tmp_path: Path
) -> None:
    skip_unless_runnable(IMAGES["story"])
    from browser import open_page

    # The tiny Llama writes the scenes in seconds (the app checks their schema only).
    llama = tiny_chat_model
    data = registry_cache(tmp_path / "data", "dcgan_face_generator")
    volumes = ["-v", f"{data}:/data", "-v", f"{week20_model}:/models:ro", "-v", f"{llama}:/chat:ro"]
    options = ["--network", network, "-e", "WEEK23_CHAT_MODEL=/chat", *volumes]
    container, url = start("story", *options)
    try:
        with open_page(url, text="Who is the story about?", timeout_s=120) as visit:
            page = visit.page
            page.get_by_role("button", name="Write the storybook").click()
            page.get_by_text("Download storybook.html").first.wait_for(state="visible")
            assert page.locator("img").count() >= 3
            assert not visit.broken_images() and not visit.failures
    finally:
        remove(container)
