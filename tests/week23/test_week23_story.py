"""The storybook app: its checks, AppTest on tiny models, and a real headless Chromium.

A tiny random Llama writes the scenes (gibberish of the right length, which is all the app
checks) and an untrained diffusion model stands in for week 20's, so a whole book is made in
seconds; the fast run (test_week23_run.py) makes one with SmolLM2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from browser import open_page
from streamlit.testing.v1 import AppTest
from week23_support import served

from shared import upstream
from shared.paths import week_report_dir
from week20_genai_multimodal.diffusion import PIPELINE
from week20_genai_multimodal.illustrated_story import MAX_PREMISE, check_premise, read_storybook
from week23_genai_capstone import story
from week23_genai_capstone.art import (
    STEPS,
    TEXT_TO_IMAGE_ENV,
    TRAIN_DIFFUSION,
    UNTRAINED_STEPS,
    model_steps,
    save_untrained,
)
from week23_genai_capstone.language_model import MODEL_ENV
from week23_genai_capstone.story.pipeline import choose_pictures

APP = str(story.PAGE)


@pytest.fixture(scope="module")
def untrained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained text-to-image model in week 20's format."""
    return save_untrained(tmp_path_factory.mktemp("t2i") / "text_to_image", seed=0)


@pytest.fixture
def app_env(untrained: Path, tiny_llama: Path, monkeypatch) -> dict[str, str]:
    """Point the app at the tiny chat model and the untrained diffusion model."""
    env = {TEXT_TO_IMAGE_ENV: str(untrained), MODEL_ENV: str(tiny_llama)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_premise_is_checked() -> None:
    assert check_premise("  a brave robot ") == "a brave robot"
    with pytest.raises(ValueError, match="empty"):
        check_premise("   ")
    with pytest.raises(ValueError, match=str(MAX_PREMISE)):
        check_premise("x" * (MAX_PREMISE + 1))


def test_the_app_writes_illustrates_and_offers_the_book(app_env, tmp_path) -> None:
    app = AppTest.from_file(APP, default_timeout=300).run()
    assert not app.exception
    app.slider[0].set_value(2)
    app.button[0].click().run()
    assert not app.exception and not app.error
    book = app.session_state["book"]
    assert len(app.image) == 2 and len(app.get("download_button")) == 1
    path = tmp_path / "storybook.html"
    path.write_text(book.html, encoding="utf-8")
    pages = read_storybook(path)
    assert [text for text, _ in pages] == [s.text for s in book.scenes]
    assert all(image.size[0] >= 64 for _, image in pages)
    assert [s.picture for s in book.scenes] == choose_pictures(2, 0)


def test_the_stand_in_draws_in_its_recorded_steps_a_trained_model_in_25(
    untrained: Path, tmp_path: Path
) -> None:
    assert model_steps(untrained) == UNTRAINED_STEPS < STEPS == 25
    trained = tmp_path / "text_to_image"  # week 20's pipeline.json records no ddim_steps
    shutil.copytree(untrained, trained)
    meta = json.loads((trained / PIPELINE).read_text(encoding="utf-8"))
    del meta["ddim_steps"]
    (trained / PIPELINE).write_text(json.dumps(meta), encoding="utf-8")
    assert model_steps(trained) == STEPS


def test_an_empty_premise_is_refused_with_a_message(app_env) -> None:
    app = AppTest.from_file(APP, default_timeout=300).run()
    app.text_input[0].input("   ")
    app.button[0].click().run()
    assert not app.exception and "premise is empty" in app.error[0].value


def test_without_a_diffusion_model_the_app_says_how_to_train_one(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(TEXT_TO_IMAGE_ENV, str(tmp_path / "none"))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert TRAIN_DIFFUSION in app.info[0].value


def test_a_full_run_without_week_20s_model_says_which_command_makes_it(
    tmp_path, monkeypatch
) -> None:
    """Issue 24: the storybook failed with IndexError (element_tree.py) where the gallery said."""
    from shared.context import RunContext
    from week23_genai_capstone.projects import gallery, storybook

    monkeypatch.setenv(TEXT_TO_IMAGE_ENV, str(tmp_path / "reports" / "week20" / "models"))
    said = []
    for project in (storybook, gallery):
        name = project.__name__.rsplit(".", 1)[1]
        ctx = RunContext(week=23, project=name, out=tmp_path / "week23")
        with pytest.raises(upstream.MissingArtefact, match=r"week20\.text_to_image") as refused:
            project.run(ctx)
        said.append(str(refused.value))
    assert said[0] == said[1]  # the storybook says what the gallery says
    assert TRAIN_DIFFUSION == "python -m week20_genai_multimodal --project text_to_image"
    assert f"`{TRAIN_DIFFUSION}`" in said[0] and TEXT_TO_IMAGE_ENV in said[0]
    with pytest.raises(RuntimeError, match=f"showed no form; it said: .*{TRAIN_DIFFUSION}"):
        storybook.drive_story_app(tmp_path / "none", "a brave robot", 2, 0)


def test_story_app_in_chromium(app_env) -> None:
    shot = week_report_dir(23) / "browser" / "story.png"
    with (
        served("story", app_env) as url,
        open_page(url, text="Who is the story about?", timeout_s=120) as visit,
    ):
        page = visit.page
        page.get_by_role("button", name="Write the storybook").click()
        page.get_by_text("Download storybook.html").first.wait_for(state="visible")
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        assert page.locator("img").count() >= 3  # the 3 scenes' pictures
        assert not visit.broken_images() and not visit.failures
    assert shot.stat().st_size > 1000
