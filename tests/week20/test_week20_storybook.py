"""The HTML storybook: written self-contained, parsed back, every image decodes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from week20_genai_multimodal.illustrated_story import (
    Scene,
    check_premise,
    first_sentences,
    png_data_uri,
    read_storybook,
    storybook_html,
)


def test_storybook_round_trip(tmp_path: Path) -> None:
    scenes = [
        Scene(text="Mia sewed a <red> dress.", picture="a red dress"),
        Scene(text="A customer smiled at her.", picture="a face"),
    ]
    images = [png_data_uri(torch.rand(3, 28, 28), 4), png_data_uri(torch.rand(3, 64, 64), 2)]
    path = tmp_path / "book.html"
    path.write_text(storybook_html("Test", scenes, images), encoding="utf-8")
    pages = read_storybook(path)
    assert [text for text, _ in pages] == [s.text for s in scenes]
    assert [image.size for _, image in pages] == [(112, 112), (128, 128)]


def test_scene_pictures_must_be_drawable() -> None:
    with pytest.raises(ValueError, match="Sneaker"):
        Scene(text="Mia found a dragon in the shop.", picture="a dragon")


def test_a_broken_image_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "book.html"
    scene = Scene(text="Mia sewed a dress.", picture="a dress")
    path.write_text(storybook_html("T", [scene], ["data:image/png;base64,AAAA"]), "utf-8")
    with pytest.raises(Exception, match="image"):
        read_storybook(path)


def test_first_sentences_drops_a_cut_off_sentence() -> None:
    assert first_sentences("Mia sews. She smiles! Then she") == "Mia sews. She smiles!"
    assert first_sentences("Mia sews. Then she") == "Mia sews."
    assert first_sentences("Mia sews and") == "Mia sews and"
    assert first_sentences("One. Two. Three.") == "One. Two."


def test_a_premise_must_be_given_and_short() -> None:
    with pytest.raises(ValueError, match="empty"):
        check_premise("  ")
    with pytest.raises(ValueError, match="keep it to"):
        check_premise("x" * 500)
