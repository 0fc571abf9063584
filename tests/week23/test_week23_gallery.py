"""The AI art gallery: the store on both databases, exact regeneration, the page, a browser.

Pictures here are drawn by an untrained UNet of week 20's smoke shape (saved and reloaded like
the real model, so versions and reproducibility are tested the same way); captions are
written by hand, since SmolLM2's captions are the run's job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from browser import open_page
from streamlit.testing.v1 import AppTest
from week23_support import served

from shared.db import make_engine
from shared.paths import week_report_dir
from week20_genai_multimodal.diffusion import load_pipeline, save_pipeline
from week23_genai_capstone import gallery
from week23_genai_capstone.art import GUIDANCE, draw, model_guidance, model_version, save_untrained
from week23_genai_capstone.gallery.store import (
    DATABASE,
    GALLERY_ENV,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    Gallery,
    QueryError,
)
from week23_genai_capstone.projects.gallery import garment_word, max_abs_diff, regenerate

APP = gallery.PAGE
ART = [
    ("a red dress", "A crimson dress glows like a summer sunset."),
    ("white sneakers", "Bright trainers, ready for 100% of your walks."),
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained text-to-image model saved in week 20's format."""
    return save_untrained(tmp_path_factory.mktemp("t2i") / "text_to_image", seed=0)


def test_the_gallery_draws_at_the_guidance_week_20_chose(model_dir: Path, tmp_path: Path) -> None:
    assert model_guidance(model_dir) == GUIDANCE  # saved without a chosen scale
    chosen = save_pipeline(load_pipeline(model_dir), tmp_path / "t2i", {"guidance": 2.0})
    assert model_guidance(chosen) == 2.0


def _fill(gallery: Gallery, model_dir: Path) -> list:
    """Store ART drawn by the model, with one-hot embeddings (meaning search is the encoder's)."""
    pipe, version = load_pipeline(model_dir), model_version(model_dir)
    for i, (prompt, caption) in enumerate(ART):
        gallery.add(
            prompt=prompt,
            seed=i,
            guidance=3.0,
            steps=2,
            model_version=version,
            caption=caption,
            png=draw(pipe, prompt, i, 3.0, 2),
            embedding=np.eye(len(ART))[i].tolist(),
        )
    return gallery.all()


@pytest.fixture
def gallery_folder(tmp_path: Path, model_dir: Path) -> Path:
    """A gallery folder (SQLite + PNGs) as the run leaves it."""
    gallery = Gallery(make_engine(f"sqlite:///{tmp_path / DATABASE}"), tmp_path / "images")
    _fill(gallery, model_dir)
    gallery.engine.dispose()
    return tmp_path


def test_store_adds_searches_and_refuses_bad_rows(database_url, tmp_path, model_dir) -> None:
    gallery = Gallery(make_engine(database_url), tmp_path / "images")
    rows = _fill(gallery, model_dir)
    assert [r["prompt"] for r in rows] == [p for p, _ in ART]
    for row in rows:
        assert gallery.image_path(row).read_bytes().startswith(b"\x89PNG")
        assert row["image_file"].startswith(row["image_sha256"][:20])
    assert [r["id"] for r in gallery.search("DRESS")] == [rows[0]["id"]]
    assert [r["id"] for r in gallery.search("sunset dress")] == [rows[0]["id"]]
    assert [r["id"] for r in gallery.search("100%")] == [rows[1]["id"]]  # % is not a wildcard
    assert gallery.search("red sneakers") == []
    assert len(gallery.search("  ")) == 2
    best, score = gallery.similar(np.array([0.0, 1.0]), 1)[0]
    assert best["id"] == rows[1]["id"] and score == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not PNG"):
        gallery.add(
            prompt="a bag", seed=0, guidance=3, steps=2, model_version="x", caption="c", png=b"GIF"
        )
    with pytest.raises(ValueError, match="caption"):
        png = gallery.image_path(rows[0]).read_bytes()
        gallery.add(
            prompt="a bag", seed=0, guidance=3, steps=2, model_version="x", caption=" ", png=png
        )
    assert len(gallery.all()) == 2


def test_regenerating_from_the_stored_seed_gives_the_same_png(tmp_path, model_dir) -> None:
    gallery = Gallery(make_engine(f"sqlite:///{tmp_path / 'g.sqlite3'}"), tmp_path / "images")
    rows = _fill(gallery, model_dir)
    fresh, version = load_pipeline(model_dir), model_version(model_dir)
    for row in rows:
        again = regenerate(fresh, version, row)
        stored = gallery.image_path(row).read_bytes()
        assert again == stored and max_abs_diff(again, stored) == 0
    other = draw(fresh, "a red dress", 99, 3.0, 2)
    assert max_abs_diff(other, gallery.image_path(rows[0]).read_bytes()) > 0
    with pytest.raises(ValueError, match="load that model"):
        regenerate(fresh, "0123456789ab", rows[0])


def test_searches_over_the_bounds_are_refused_with_a_message(
    database_url, tmp_path, model_dir
) -> None:
    """Issue 26, defect 4: 999 words and one 100,000-character word raised OperationalError."""
    gallery = Gallery(make_engine(database_url), tmp_path / "images")
    rows = _fill(gallery, model_dir)
    with pytest.raises(QueryError, match=f"999 words: use at most {MAX_QUERY_WORDS}"):
        gallery.search(" ".join(["dress"] * 999))
    with pytest.raises(QueryError, match=f"100,000 characters long: use at most {MAX_QUERY_CHARS}"):
        gallery.search("d" * 100_000)
    widest = " ".join(["%_\\"] * (MAX_QUERY_WORDS - 1) + ["dress"])
    assert gallery.search(widest) == []  # the most it takes runs, its wildcards literal
    longest = ("dress " * MAX_QUERY_WORDS)[:MAX_QUERY_CHARS]
    assert [r["id"] for r in gallery.search(longest)] == [rows[0]["id"]]


def test_garment_word_is_what_a_visitor_searches() -> None:
    assert garment_word("a red dress") == "dress"
    assert garment_word("brown ankle boots") == "boots"
    assert garment_word("a green t-shirt") == "t-shirt"


def test_gallery_page_searches(gallery_folder: Path, monkeypatch) -> None:
    monkeypatch.setenv(GALLERY_ENV, str(gallery_folder))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception and len(app.image) == 2
    app.text_input[0].input("dress").run()
    assert len(app.image) == 1 and app.metric[0].value == "1"
    app.text_input[0].input("zebra").run()
    assert "zebra" in app.warning[0].value
    for query, says in (("dress " * 999, "999 words"), ("d" * 100_000, "100,000 characters")):
        app.text_input[0].input(query).run()
        assert not app.exception and says in app.error[0].value and not app.image


def test_without_a_gallery_the_page_says_how_to_make_one(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(GALLERY_ENV, str(tmp_path / "none"))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert "--project gallery" in app.info[0].value
    assert not (tmp_path / "none").exists()


def test_gallery_in_chromium(gallery_folder: Path) -> None:
    shot = week_report_dir(23) / "browser" / "gallery.png"
    with (
        served("gallery", {GALLERY_ENV: str(gallery_folder)}) as url,
        open_page(url, text="A crimson dress", timeout_s=120) as visit,
    ):
        visit.page.get_by_text("Bright trainers").first.wait_for(state="visible")
        # Streamlit may draw the captions before the images: wait for the second image too
        visit.page.locator("img").nth(1).wait_for(state="visible")
        shot.parent.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(shot), full_page=True)
        assert visit.page.locator("img").count() >= 2
        assert not visit.broken_images() and not visit.failures
    assert shot.stat().st_size > 1000
