"""Text prompts for the class-conditional diffusion model: "a red dress" -> (Dress, red).

The model knows ten Fashion-MNIST classes, not language, so a prompt is read by matching the
words of each class (and common synonyms) and of a colour. The model draws the grey garment;
the colour is applied afterwards, by tinting its brightness (Fashion-MNIST garments are light
on black, so the background stays black).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from shared.vision import FASHION_MNIST_CLASSES

# Words that name each class, longest phrases first when matched ("ankle boot" before "boot").
CLASS_WORDS: dict[str, tuple[str, ...]] = {
    "T-shirt/top": ("t-shirt", "t shirt", "tshirt", "tee", "top"),
    "Trouser": ("trousers", "trouser", "pants", "jeans"),
    "Pullover": ("pullover", "sweater", "jumper"),
    "Dress": ("dress", "gown"),
    "Coat": ("coat", "jacket"),
    "Sandal": ("sandals", "sandal"),
    "Shirt": ("shirt", "blouse"),
    "Sneaker": ("sneakers", "sneaker", "trainers", "trainer"),
    "Bag": ("handbag", "bag", "purse"),
    "Ankle boot": ("ankle boots", "ankle boot", "boots", "boot"),
}
COLOURS: dict[str, tuple[float, float, float]] = {
    "white": (1.0, 1.0, 1.0),
    "grey": (0.6, 0.6, 0.6),
    "gray": (0.6, 0.6, 0.6),
    "red": (0.9, 0.1, 0.1),
    "orange": (1.0, 0.55, 0.0),
    "yellow": (1.0, 0.9, 0.1),
    "green": (0.1, 0.7, 0.2),
    "blue": (0.15, 0.35, 0.95),
    "navy": (0.1, 0.15, 0.5),
    "purple": (0.55, 0.2, 0.75),
    "pink": (1.0, 0.45, 0.7),
    "brown": (0.55, 0.33, 0.15),
}


@dataclass(frozen=True)
class ParsedPrompt:
    """What a prompt asks for: a class (its index and name) and an optional colour name."""

    text: str
    label: int
    class_name: str
    colour: str | None


class UnknownClassError(ValueError):
    """A prompt names none of the classes the diffusion model was trained on."""


def _phrases() -> list[tuple[str, str]]:
    """(phrase, class name) pairs, longest phrase first so "ankle boot" wins over "boot"."""
    pairs = [(w, name) for name, words in CLASS_WORDS.items() for w in words]
    return sorted(pairs, key=lambda p: -len(p[0]))


def classes_named(text: str) -> list[str]:
    """The classes a text names, in order; a longer phrase hides the shorter ones inside it."""
    lowered, taken, found = text.lower(), set(), []
    for phrase, name in _phrases():
        for match in re.finditer(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", lowered):
            span = set(range(match.start(), match.end()))
            if not span & taken:
                taken |= span
                found.append((match.start(), name))
    return list(dict.fromkeys(name for _, name in sorted(found)))


def parse_prompt(text: str) -> ParsedPrompt:
    """Read the class and colour a prompt asks for; raise a clear error unless it names one class."""
    if not text or not text.strip():
        raise ValueError("the prompt is empty: describe a garment, e.g. 'a red dress'")
    named = classes_named(text)
    if not named:
        known = "; ".join(f"{name}: {', '.join(CLASS_WORDS[name])}" for name in CLASS_WORDS)
        raise UnknownClassError(
            f"the prompt {text!r} names none of the classes the model knows ({known})"
        )
    if len(named) > 1:
        raise ValueError(
            f"the prompt {text!r} names {len(named)} classes ({', '.join(named)}); "
            "the model draws one garment per image: name one"
        )
    lowered = text.lower()
    colours = [c for c in COLOURS if re.search(rf"\b{c}\b", lowered)]
    return ParsedPrompt(
        text, FASHION_MNIST_CLASSES.index(named[0]), named[0], colours[0] if colours else None
    )


def colourise(images: torch.Tensor, colour: str | None) -> torch.Tensor:
    """Turn (N, 1, H, W) grey images in [0, 1] into (N, 3, H, W) RGB tinted with `colour`."""
    if colour is None:
        return images.repeat(1, 3, 1, 1)
    if colour not in COLOURS:
        raise ValueError(f"unknown colour {colour!r}; known colours: {', '.join(COLOURS)}")
    tint = torch.tensor(COLOURS[colour], dtype=images.dtype).reshape(1, 3, 1, 1)
    return images * tint
