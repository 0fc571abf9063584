"""Week 15 chatbot: README chunking, hybrid retrieval, the question set, `chat`, a fast run."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from shared.registry import fetch
from week15_transformers.chatbot import QUESTIONS_FILE, contains, load_questions, main
from week15_transformers.retrieval import (
    REPO_ROOT,
    Chunk,
    ReadmeIndex,
    chunk_readme,
    sections,
    split_long,
    week_readmes,
)

README = """# Week 99 — Testing

```bash
# not a heading: a comment in code
make week99
```

## Projects
| project | what |
|---|---|
| `alpha` | counts the coins |
| `beta` | draws the boxes |

## What to look at
One paragraph about alpha.

Another paragraph about beta.
"""


class BagOfLetters:
    """A tiny deterministic encoder: unit vectors of letter counts (no model needed)."""

    def encode(self, texts):
        rows = np.zeros((len(texts), 26), dtype=np.float32)
        for i, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    rows[i, ord(ch) - 97] += 1
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def test_sections_split_at_headings_but_not_inside_code():
    found = sections(README)
    assert [h for h, _ in found] == ["", "Week 99 — Testing", "Projects", "What to look at"]
    assert "# not a heading" in found[1][1]


def test_long_sections_split_between_paragraphs_and_tables_per_row():
    body = dict(sections(README))["Projects"]
    assert split_long(body) == [
        "| project | what |\n| `alpha` | counts the coins |",
        "| project | what |\n| `beta` | draws the boxes |",
    ]
    text = dict(sections(README))["What to look at"]
    assert split_long(text, max_words=5) == [
        "One paragraph about alpha.",
        "Another paragraph about beta.",
    ]
    assert split_long(text) == ["One paragraph about alpha.\nAnother paragraph about beta."]


def test_chunks_carry_their_readme_title_and_heading(tmp_path):
    path = tmp_path / "week99_testing" / "README.md"
    path.parent.mkdir()
    path.write_text(README)
    chunks = chunk_readme(path, tmp_path)
    assert {c.source for c in chunks} == {"week99_testing/README.md"}
    beta = next(c for c in chunks if "beta` | draws" in c.text)
    assert beta.heading == "Projects"
    assert beta.text.startswith("Week 99 — Testing > Projects\n")
    assert week_readmes(tmp_path) == [path]
    with pytest.raises(FileNotFoundError, match="README"):
        week_readmes(tmp_path / "week99_testing")


def test_hybrid_search_ranks_by_meaning_and_exact_words():
    chunks = [
        Chunk("a.md", "x", "zebra zebra zebra"),
        Chunk("b.md", "x", "apple banana cherry"),
        Chunk("c.md", "x", "week 17 optuna study"),
    ]
    index = ReadmeIndex(chunks, BagOfLetters())
    assert index.search("zebras", k=1)[0][0].source == "a.md"
    assert index.search("which library runs the week 17 study", k=1)[0][0].source == "c.md"
    scores = [s for _, s in index.search("banana", k=3)]
    assert scores == sorted(scores, reverse=True)
    assert index.context("banana", k=1).startswith("[b.md] apple banana cherry")
    with pytest.raises(ValueError, match="query is empty"):
        index.search("  ")
    with pytest.raises(ValueError, match="nothing to index"):
        ReadmeIndex([], BagOfLetters())


def test_the_question_set_is_answerable_from_the_readmes():
    questions = load_questions()
    assert len(questions) >= 20 and len({q.question for q in questions}) == len(questions)
    readmes = {p.relative_to(REPO_ROOT).as_posix() for p in week_readmes()}
    for q in questions:
        assert q.readme in readmes, q
        assert contains((REPO_ROOT / q.readme).read_text(encoding="utf-8"), q.fact), q


def test_questions_file_must_hold_questions(tmp_path):
    empty = tmp_path / "q.toml"
    empty.write_text("# nothing\n")
    with pytest.raises(ValueError, match="no \\[\\[question\\]\\]"):
        load_questions(empty)
    assert QUESTIONS_FILE.is_file()


def test_contains_ignores_case_and_spacing():
    assert contains("It uses the  German\ncredit data.", "german credit")
    assert not contains("It uses Ames.", "German credit")


def test_chat_command_answers_from_fake_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Which tool runs week 18's migrations?\n"))
    assert main(["--device", "cpu", "--max-new-tokens", "8"]) == 0
    out = capsys.readouterr().out
    assert "ask about the course" in out and out.count("bot> ") == 1
    answer = out.split("bot> ", 1)[1].strip()
    assert answer


def test_chat_command_rejects_a_bad_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--device", "tpu"])
    assert exc.value.code == 2


def test_fast_run_scores_retrieval_and_answers(fast_run):
    fetch("smollm2_135m_instruct")
    metrics = fast_run("week15_transformers", "--project", "chatbot")
    project = metrics["projects"]["chatbot"]
    assert project.get("error") is None
    values = project["metrics"]
    assert values["questions"] == 3
    assert values["retrieval_hit_at_3"] >= 2 / 3  # the right README, for a fast smoke run
    assert 0 <= values["answer_fact_rate"] <= 1 and values["tokens_per_second"] > 0
