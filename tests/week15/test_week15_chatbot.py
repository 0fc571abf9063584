"""Week 15 chatbot: chunking, BM25 + dense fusion, the reader, abstention, questions, `chat`."""

from __future__ import annotations

import io
import math
import re
import sys

import numpy as np
import pytest
from letter_counts import LetterCounts

from shared.registry import fetch
from week15_transformers.assistant import NOT_COVERED, CourseAssistant, grounded_messages
from week15_transformers.projects import chatbot
from week15_transformers.projects.chatbot import QUESTIONS_FILE, contains, load_questions, main
from week15_transformers.reader import (
    FEATURES,
    READ_PASSAGES,
    WEIGHTS,
    answer_type,
    fit_weights,
    holds_answer,
    overlap,
    read,
    stem_idf,
    unit_features,
    units,
)
from week15_transformers.retrieval import (
    BM25,
    REPO_ROOT,
    Chunk,
    ReadmeIndex,
    chunk_readme,
    named_week,
    reciprocal_rank_fusion,
    sections,
    split_long,
    week_readmes,
)

README = """# Week 99 — Testing

```bash
# not a heading: a comment in code
make week99
python -m week99_testing serve chat \\
    --port 8099        # the chat API, port 8099
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


def test_sections_split_at_headings_but_not_inside_code():
    found = sections(README)
    assert [h for h, _ in found] == ["", "Week 99 — Testing", "Projects", "What to look at"]
    assert "# not a heading" in found[1][1]


def test_sections_are_cut_into_command_lines_table_rows_and_prose():
    code = dict(sections(README))["Week 99 — Testing"]
    assert split_long(code) == [
        ("code", "# not a heading: a comment in code\nmake week99"),
        (
            "code",
            "python -m week99_testing serve chat \\\n    --port 8099        # the chat API, port 8099",
        ),
    ]
    body = dict(sections(README))["Projects"]
    assert split_long(body) == [
        ("table", "| project | what |\n| `alpha` | counts the coins |"),
        ("table", "| project | what |\n| `beta` | draws the boxes |"),
    ]
    text = dict(sections(README))["What to look at"]
    assert split_long(text, max_words=5) == [
        ("prose", "One paragraph about alpha."),
        ("prose", "Another paragraph about beta."),
    ]
    assert split_long(text) == [
        ("prose", "One paragraph about alpha.\n\nAnother paragraph about beta.")
    ]


def test_chunks_carry_their_readme_title_heading_and_kind(tmp_path):
    path = tmp_path / "week99_testing" / "README.md"
    path.parent.mkdir()
    path.write_text(README)
    chunks = chunk_readme(path, tmp_path)
    assert {c.source for c in chunks} == {"week99_testing/README.md"}
    beta = next(c for c in chunks if "beta` | draws" in c.text)
    assert (beta.heading, beta.kind) == ("Projects", "table")
    assert beta.text.startswith("Week 99 — Testing > Projects\n")
    assert beta.title == "Week 99 — Testing > Projects"
    port = next(c for c in chunks if "8099" in c.text)
    assert port.kind == "code" and port.heading == "Week 99 — Testing"
    assert week_readmes(tmp_path) == [path]
    with pytest.raises(FileNotFoundError, match="README"):
        week_readmes(tmp_path / "week99_testing")


def test_bm25_matches_the_okapi_formula():
    docs = ["the cat sat", "the dog sat on the mat", "a bird"]
    bm25 = BM25(docs, k1=1.2, b=0.75)
    mean = (3 + 6 + 2) / 3
    idf = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))  # "cat" is in one document of three
    norm = 1.2 * (1 - 0.75 + 0.75 * 3 / mean)
    expected = idf * 1 * 2.2 / (1 + norm)
    assert bm25.scores("cat")[0] == pytest.approx(expected)
    assert bm25.scores("cat")[1:].tolist() == [0.0, 0.0]
    assert bm25.scores("unknown words").tolist() == [0.0, 0.0, 0.0]
    assert bm25.scores("the the")[1] > bm25.scores("the")[0]  # two "the" in a longer document


def test_reciprocal_rank_fusion_adds_one_over_k_plus_rank():
    fused = reciprocal_rank_fusion([np.array([2, 0, 1]), np.array([0, 2, 1])], k=60)
    assert fused[0] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[2] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[1] == pytest.approx(2 / 63)


def test_fused_search_finds_meaning_and_exact_words():
    chunks = [
        Chunk("a.md", "x", "zebra zebra zebra"),
        Chunk("b.md", "x", "apple banana cherry"),
        Chunk("c.md", "x", "week 17 optuna study"),
    ]
    index = ReadmeIndex(chunks, LetterCounts())
    assert index.search("zebras", k=1)[0].chunk.source == "a.md"
    assert index.search("which library runs the week 17 study", k=1)[0].chunk.source == "c.md"
    assert index.search("optuna", k=1, method="bm25")[0].chunk.source == "c.md"
    hits = index.search("banana", k=3)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(-1 <= h.dense <= 1 for h in hits)
    with pytest.raises(ValueError, match="query is empty"):
        index.search("  ")
    with pytest.raises(ValueError, match="unknown method"):
        index.search("banana", method="tfidf")
    with pytest.raises(ValueError, match="nothing to index"):
        ReadmeIndex([], LetterCounts())


def test_a_question_naming_one_week_searches_that_weeks_readme_only():
    assert named_week("What does week 6's project cluster?") == 6
    assert named_week("Do week 16 and week 17 share a helper?") is None
    assert named_week("What is a tensor?") is None
    chunks = [
        Chunk("week06_ml/README.md", "x", "customer segments from CDNOW purchases"),
        Chunk("week10_cnn/README.md", "x", "week 6 customer segments cluster purchases"),
        Chunk("week10_cnn/README.md", "x", "a convolution slides a kernel"),
    ]
    index = ReadmeIndex(chunks, LetterCounts())
    question = "What does week 6 cluster among customer purchases?"
    assert [h.chunk.source for h in index.search(question, k=3)] == ["week06_ml/README.md"]
    assert len(index.search("what does week 12 cluster", k=3)) == 3  # no week 12 README: all
    assert len(index.search("customer purchases", k=3)) == 3


def test_units_are_sentences_list_items_rows_and_commands():
    prose = (
        "Week 9 > Data\nMNIST comes from a wheel. It has 70,000 digits.\n- a list item\nthat wraps"
    )
    assert units(prose) == [
        "MNIST comes from a wheel.",
        "It has 70,000 digits.",
        "- a list item that wraps",
    ]
    assert units("Week 8 > Routes\n| route | what |\n| `GET /health` | liveness |") == [
        "| `GET /health` | liveness |"
    ]
    assert units("Week 23\npython -m week23 serve chat  # port 8030") == [
        "python -m week23 serve chat # port 8030"
    ]


def test_overlap_weighs_the_rare_words_of_the_question_by_stem():
    idf = stem_idf({"port": 3.0, "serves": 2.0, "the": 0.1})
    assert overlap("the port", "it serves on port 80", idf) == pytest.approx(3.0 / 3.1)
    assert overlap("which serve", "it serves", idf) == 1.0  # serve and serves share a stem
    assert overlap("nothing known", "anything", idf) == 0.0


def _index() -> ReadmeIndex:
    chunks = [
        Chunk("week08/README.md", "Run", "Week 8 > Run\nmake serve  # API, port 8000", "code"),
        Chunk(
            "week08/README.md", "Data", "Week 8 > Data\nThe API serves Titanic. It loads a model."
        ),
        Chunk("week09/README.md", "Data", "Week 9 > Data\nMNIST digits train the MLP."),
    ]
    return ReadmeIndex(chunks, LetterCounts())


def test_the_reader_quotes_the_unit_that_answers_with_its_source():
    index = _index()
    idf = stem_idf(index.bm25.idf)
    hits = index.search("On which port does week 8's API serve?", k=3)
    evidence = read("On which port does week 8's API serve?", hits, index.encoder, idf)
    assert evidence.text == "make serve # API, port 8000"
    assert (evidence.source, evidence.heading) == ("week08/README.md", "Run")
    hits = index.search("Which digits train week 9's MLP?", k=3)
    evidence = read("Which digits train week 9's MLP?", hits, index.encoder, idf)
    assert evidence.text == "MNIST digits train the MLP."
    with pytest.raises(ValueError, match="no passage"):
        read("anything", [], index.encoder, idf)


def test_answer_types_are_commands_numbers_or_names():
    assert answer_type("Which command starts week 8's API?") == "command"
    assert answer_type("On which port does it listen?") == "command"
    assert answer_type("How many coins are in the photo?") == "number"
    assert answer_type("Which library runs the study?") == "name"


def test_a_unit_holds_an_answer_only_if_it_adds_one_of_the_asked_kind():
    question = "How many coins does week 12 count?"
    assert holds_answer(question, "It counts 24 coins.", "number")
    assert not holds_answer(question, "Week 12 counts coins.", "number")  # 12 is asked already
    question = "Which library runs week 17's study?"
    assert holds_answer(question, "The study runs on `optuna`.", "name")
    assert holds_answer(question, "It pins optuna==4.1.0.", "name")
    assert holds_answer(question, "A TPESampler drives it.", "name")
    assert not holds_answer(question, "The study of week 17 runs here.", "name")


def test_the_reader_adds_the_answer_type_and_prefers_higher_passages():
    chunks = [
        Chunk("w12/README.md", "Coins", "Week 12 > Coins\nWeek 12 counts the coins."),
        Chunk("w12/README.md", "Coins", "Week 12 > Coins\nWeek 12 counts the coins: 24."),
    ]
    index = ReadmeIndex(chunks, LetterCounts())
    idf = stem_idf(index.bm25.idf)
    hits = index.search("How many coins does week 12 count?", k=2)
    evidence = read("How many coins does week 12 count?", hits, index.encoder, idf)
    assert "24" in evidence.text
    twin = [hits[0], hits[0]]  # the same unit twice: the higher passage wins the tie
    assert read("coins", twin, index.encoder, idf).score == pytest.approx(
        read("coins", twin[:1], index.encoder, idf).score
    )


def test_unit_features_describe_each_unit_in_feature_order():
    index = _index()
    idf = stem_idf(index.bm25.idf)
    question = "On which port does week 8's API serve?"
    hits = index.search(question, k=3)
    candidates, x = unit_features(question, hits, index.encoder, idf)
    assert (
        x.shape
        == (len(candidates), len(FEATURES))
        == (sum(len(units(h.chunk.text)) for h in hits), 12)
    )
    column = dict(zip(FEATURES, x.T, strict=True))
    code = [hit.chunk.kind == "code" for hit, _ in candidates]
    assert column["command_asked"].tolist() == code and not column["command_unasked"].any()
    ranks = [hits.index(hit) for hit, _ in candidates]
    assert column["passage_rank"].tolist() == ranks
    assert column["passage_cosine"].tolist() == pytest.approx([hit.dense for hit, _ in candidates])
    assert ((column["overlap"] >= 0) & (column["overlap"] <= column["overlap_titled"])).all()
    assert set(WEIGHTS) == set(FEATURES)


def test_fit_weights_learns_which_feature_marks_the_answer():
    rng = np.random.default_rng(0)
    features, labels = [], []
    for _ in range(40):
        x = rng.normal(size=(8, len(FEATURES)))
        y = np.zeros(8, dtype=int)
        y[np.argmax(x[:, 2])] = 1  # the unit with the most overlap holds the fact
        features.append(x)
        labels.append(y)
    weights = fit_weights(features, labels, c=1.0)
    assert max(weights, key=lambda name: abs(weights[name])) == FEATURES[2]
    assert weights[FEATURES[2]] > 0
    with pytest.raises(ValueError, match="hold the fact and units that do not"):
        fit_weights(features, [np.zeros(8, dtype=int)] * 40)


def _course(monkeypatch, questions, refusals=()) -> None:
    """Point the chatbot's commands at `_index()` (threshold 0) and these questions.

    A question is (text, fact, week, split).
    """
    index = _index()
    asked = [
        chatbot.Question(q, fact, f"week{week:02d}/README.md", s) for q, fact, week, s in questions
    ]
    monkeypatch.setattr(chatbot, "load_questions", lambda: (asked, list(refusals)))
    monkeypatch.setattr(
        CourseAssistant, "load", classmethod(lambda cls, *a, **k: cls(index, threshold=0.0))
    )


def test_chat_fit_compares_regularisations_on_dev_and_prints_weights(monkeypatch, capsys):
    _course(
        monkeypatch,
        [
            ("Which digits train week 9's MLP?", "MNIST", 9, "train"),
            ("On which port does week 8's API serve?", "port 8000", 8, "train"),
            ("Which digits does week 9 use?", "MNIST", 9, "dev"),
        ],
    )
    assert chatbot.fit_main(["--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "train: 2 questions" in out
    assert all(f"C={c:g}: train" in out for c in chatbot.FIT_GRID)
    assert all(f'"{name}": ' in out for name in FEATURES) and "shipped WEIGHTS" in out


def test_the_assistant_reads_more_passages_than_it_scores():
    chunks = [
        Chunk(f"week{i:02d}/README.md", "Data", f"Week {i} > Data\nThe data of week {i}.")
        for i in range(1, READ_PASSAGES + 3)
    ]
    grounded = CourseAssistant(ReadmeIndex(chunks, LetterCounts()), threshold=0.0).ground(
        "Which data does week 5 use?"
    )
    assert len(grounded.hits) == 3 and READ_PASSAGES > 3
    assert grounded.evidence.source == "week05/README.md"


def test_chat_eval_scores_grounding_and_lists_the_dev_misses(monkeypatch, capsys):
    _course(
        monkeypatch,
        [
            ("Which digits train week 9's MLP?", "MNIST", 9, "dev"),
            ("On which port does week 8's API serve?", "nope", 8, "dev"),
            ("Which digits train week 9's MLP?", "nope", 9, "test"),
        ],
        [chatbot.OutOfScope("zzz qqq", "dev"), chatbot.OutOfScope("zzz", "test")],
    )
    assert chatbot.evaluate_main(["--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "dev_evidence_fact_rate 0.500" in out and "dev_retrieval_hit_at_3 0.500" in out
    assert "miss (hit@3 False) On which port" in out and "MNIST" not in out.split("dev_")[0]
    assert "answered out of scope: zzz qqq" in out  # threshold 0: nothing is refused
    assert chatbot.evaluate_main(["--split", "test", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "test_evidence_fact_rate 0.000" in out and "miss" not in out and "answered" not in out
    with pytest.raises(SystemExit):
        chatbot.evaluate_main(["--split", "train"])
    # --answers generates too; an answer that repeats its evidence holds the fact as often
    monkeypatch.setattr(
        chatbot, "build_bot", lambda device, dataset: (CourseAssistant.load(), 0, 0)
    )
    monkeypatch.setattr(chatbot, "answer", lambda bot, g, n: {"answer": g.evidence.text})
    assert chatbot.evaluate_main(["--answers", "--device", "cpu"]) == 0
    assert "dev_answer_fact_rate 0.500" in capsys.readouterr().out


def test_the_assistant_abstains_below_its_threshold():
    index = _index()
    grounded = CourseAssistant(index, threshold=0.0).ground("Which digits train week 9's MLP?")
    assert not grounded.abstained and grounded.evidence.source == "week09/README.md"
    prompt = grounded_messages(grounded)
    assert prompt[0]["role"] == "system" and "MNIST digits train the MLP." in prompt[-1]["content"]
    assert "week09/README.md" in prompt[-1]["content"]
    refused = CourseAssistant(index, threshold=1.01).ground("Which digits train week 9's MLP?")
    assert refused.abstained and refused.evidence is None and refused.retrieval_score <= 1.0
    with pytest.raises(ValueError, match="NOT_COVERED"):
        grounded_messages(refused)


def test_the_question_set_is_answerable_split_and_covers_every_week():
    in_scope, out_of_scope = load_questions()
    scored = [q for q in in_scope if q.split != "train"]
    train = [q for q in in_scope if q.split == "train"]
    assert len(scored) >= 80 and len(out_of_scope) >= 20
    texts = [q.question for q in [*in_scope, *out_of_scope]]
    assert len(set(texts)) == len(texts)
    readmes = {p.relative_to(REPO_ROOT).as_posix() for p in week_readmes()}
    assert {q.readme for q in scored} == readmes == {q.readme for q in train}  # all 24 weeks
    for q in in_scope:
        assert contains((REPO_ROOT / q.readme).read_text(encoding="utf-8"), q.fact), q
    for split in ("dev", "test"):
        share = sum(q.split == split for q in scored) / len(scored)
        assert 0.4 <= share <= 0.6, split
        assert sum(q.split == split for q in out_of_scope) >= 10
    assert not {q.split for q in out_of_scope} - {"dev", "test"}
    # the reader is fitted on facts that no scored question asks
    assert not {q.fact.lower() for q in train} & {q.fact.lower() for q in scored}
    weeks = {re.match(r"week(\d+)", q.readme).group(1) for q in in_scope if q.split == "test"}
    assert len(weeks) == 24  # every week is scored on test too


def test_questions_file_must_hold_questions_with_a_split(tmp_path):
    empty = tmp_path / "q.toml"
    empty.write_text("# nothing\n")
    with pytest.raises(ValueError, match="no \\[\\[question\\]\\]"):
        load_questions(empty)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[question]]\nquestion = "q"\nfact = "f"\nreadme = "r"\nsplit = "holdout"\n')
    with pytest.raises(ValueError, match="split 'holdout'"):
        load_questions(bad)
    assert QUESTIONS_FILE.is_file()


def test_contains_ignores_case_and_spacing():
    assert contains("It uses the  German\ncredit data.", "german credit")
    assert not contains("It uses Ames.", "German credit")


def test_chat_command_answers_with_evidence_or_says_not_covered(monkeypatch, capsys):
    questions = "Which tool runs week 18's schema migrations?\nWho painted the Mona Lisa?\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(questions))
    assert main(["--device", "cpu", "--max-new-tokens", "8"]) == 0
    out = capsys.readouterr().out
    assert "ask about the course" in out and out.count("bot> ") == 2
    first, second = out.split("bot> ")[1:]
    assert "evidence: " in first and "source: week18_databases/README.md" in first
    assert second.startswith(NOT_COVERED)


def test_chat_command_rejects_a_bad_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--device", "tpu"])
    assert exc.value.code == 2


def test_fast_run_scores_dev_and_test(fast_run):
    fetch("smollm2_135m_instruct")
    metrics = fast_run("week15_transformers", "--project", "chatbot")
    project = metrics["projects"]["chatbot"]
    assert project.get("error") is None
    values = project["metrics"]
    for split in ("dev", "test"):
        assert values[f"{split}_questions"] == 2 and values[f"{split}_out_of_scope_questions"] == 2
        assert values[f"{split}_retrieval_hit_at_3"] >= 0.5  # the right README, in a smoke run
        assert values[f"{split}_out_of_scope_refused"] == 1.0
    assert 0 <= values["test_answer_fact_rate"] <= 1
    assert "dev_answer_fact_rate" not in values  # dev's answers: chat-eval --answers
    assert {bar["metric"] for bar in project["bars"]} >= {"test_evidence_fact_rate"}
