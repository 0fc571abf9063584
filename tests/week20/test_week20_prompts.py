"""Prompts -> (class, colour): synonyms, colours, and the errors for bad prompts."""

from __future__ import annotations

import pytest
import torch

from week20_genai_multimodal.prompts import UnknownClassError, colourise, parse_prompt


@pytest.mark.parametrize(
    ("prompt", "class_name", "colour"),
    [
        ("a sneaker", "Sneaker", None),
        ("a red dress", "Dress", "red"),
        ("A navy T-shirt", "T-shirt/top", "navy"),
        ("a t shirt", "T-shirt/top", None),
        ("ankle boots in brown", "Ankle boot", "brown"),
        ("a blue shirt", "Shirt", "blue"),
        ("a product shot of a pink handbag", "Bag", "pink"),
    ],
)
def test_prompts_name_their_class_and_colour(prompt: str, class_name: str, colour: str) -> None:
    parsed = parse_prompt(prompt)
    assert (parsed.class_name, parsed.colour) == (class_name, colour)


def test_unknown_class_error_lists_the_classes() -> None:
    with pytest.raises(UnknownClassError, match=r"a cat.*Sneaker.*Ankle boot"):
        parse_prompt("a cat")


@pytest.mark.parametrize("prompt", ["", "   "])
def test_empty_prompt_is_refused(prompt: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_prompt(prompt)


def test_two_classes_in_one_prompt_are_refused() -> None:
    with pytest.raises(ValueError, match="2 classes"):
        parse_prompt("a bag and a boot")


def test_colourise_tints_brightness_and_keeps_black_background() -> None:
    grey = torch.tensor([[[[0.0, 1.0]]]])
    red = colourise(grey, "red")
    assert red.shape == (1, 3, 1, 2)
    assert torch.equal(red[..., 0], torch.zeros(1, 3, 1))
    assert red[0, 0, 0, 1] > red[0, 1, 0, 1]
    assert torch.equal(colourise(grey, None), grey.repeat(1, 3, 1, 1))
    with pytest.raises(ValueError, match="unknown colour"):
        colourise(grey, "ultraviolet")
