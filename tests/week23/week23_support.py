"""What the week 23 tests share besides the tiny chat model (tests/tiny_llama.py).

`served` runs one of the week's apps in its own process. `course_notes` writes a one-week
course for the chat service to answer from, and `notes_assistant` is week 15's assistant over
it with a letter-count encoder (no model).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from letter_counts import LetterCounts
from serving import serve_subprocess

from week15_transformers.assistant import CourseAssistant
from week15_transformers.retrieval import ReadmeIndex

KEY = "week23-test-key-0123"
NOTES = """# Week 99 — Test notes

```bash
python -m week99_notes serve chat   # the notes API, port 8099
```

## Data
Week 99 trains on the MNIST digits. It keeps them in SQLite.
"""


def course_notes(folder: Path) -> Path:
    """Write a one-week course (week99_notes/README.md) under `folder`; return `folder`."""
    (folder / "week99_notes").mkdir(parents=True, exist_ok=True)
    (folder / "week99_notes" / "README.md").write_text(NOTES, encoding="utf-8")
    return folder


def notes_assistant(folder: Path, threshold: float) -> CourseAssistant:
    """Week 15's assistant over `course_notes(folder)`; it abstains below `threshold`."""
    index = ReadmeIndex.from_repository(LetterCounts(), course_notes(folder))
    return CourseAssistant(index, threshold=threshold)


def served(name: str, env: dict[str, str], port: int | None = None) -> AbstractContextManager[str]:
    """`python -m week23_genai_capstone serve NAME` in its own process until its health answers."""
    return serve_subprocess("week23_genai_capstone", name, env=env, port=port)
