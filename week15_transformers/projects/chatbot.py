"""Chatbot: answers about this course with its evidence and source, or says the notes lack it.

A 135M-parameter chat model knows nothing about this repository, and handed a whole passage it
often answers from the wrong part of it. So the assistant (assistant.py, the library week 23's
chat service shares) does the reading: it retrieves README passages (BM25 + MiniLM fused by
reciprocal rank: retrieval.py), abstains when even the best passage is far from the question,
and otherwise picks the sentence, table row or command line that answers (reader.py). The
model (SmolLM2-135M-Instruct, shared/llm.py) is prompted with that evidence for a one-sentence
answer, and every answer shows the evidence with its README path and heading.

The run scores course_questions.toml, split once into dev (where every choice was made) and
test: retrieval hit@3, the evidence holding the expected fact, out-of-scope questions refused
and in-scope ones wrongly refused (the bars, on test), and the generated sentence holding the
fact (reported). `python -m week15_transformers chat` is the same assistant, interactive;
`chat-eval` scores its grounding alone (no generation: seconds) and lists the dev misses.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.report import markdown_table

BARS = [
    Bar(
        "test_retrieval_hit_at_3",
        ">=",
        0.90,
        "issue 22: a top-3 passage from the right README holds the fact (BM25 + MiniLM, RRF)",
    ),
    Bar(
        "test_evidence_fact_rate",
        ">=",
        0.80,
        "issue 22: the quoted evidence holds the expected fact",
    ),
    Bar(
        "test_out_of_scope_refused",
        ">=",
        0.80,
        "issue 22: questions the notes do not cover are answered 'not covered'",
    ),
    Bar(
        "test_in_scope_refused",
        "<=",
        0.10,
        "issue 22: questions the notes cover are not refused",
    ),
]
QUESTIONS_FILE = Path(__file__).parents[1] / "course_questions.toml"
SPLITS = ("dev", "test")  # the scored splits; "train" questions fit the reader (`chat-fit`)
QUESTION_SPLITS = ("train", *SPLITS)
FIT_GRID = (0.03, 0.1, 0.3, 1.0)  # the reader's regularisation C, compared on dev by chat-fit
SWEEP = (0.20, 0.25, 0.30, 0.35, 0.40, 0.45)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    max_new_tokens: int = 48  # longest generated answer
    questions: int | None = None  # in- and out-of-scope questions scored per split (None: all)
    # Splits whose answers are generated: only test, the reported one (half the run's time on a
    # CPU); `chat-eval --answers` generates dev's, for a choice of prompt or model.
    answer_splits: tuple[str, ...] = ("test",)


FULL = Config()
FAST = Config(max_new_tokens=6, questions=2)


@dataclass(frozen=True)
class Question:
    """An in-scope question, the fact its answer must contain, its README and its split."""

    question: str
    fact: str
    readme: str
    split: str


@dataclass(frozen=True)
class OutOfScope:
    """A question the course notes do not answer, and its split."""

    question: str
    split: str


def load_questions(path: Path = QUESTIONS_FILE) -> tuple[list[Question], list[OutOfScope]]:
    """Read the [[question]] and [[out_of_scope]] tables; every one names its split."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    if not data.get("question"):
        raise ValueError(f"{path} holds no [[question]] tables")
    in_scope = [Question(**row) for row in data["question"]]
    out_of_scope = [OutOfScope(**row) for row in data.get("out_of_scope", [])]
    for q in [*in_scope, *out_of_scope]:
        if q.split not in QUESTION_SPLITS:
            raise ValueError(
                f"{path}: {q.question!r} has split {q.split!r}; use 'train', 'dev' or 'test'"
            )
    return in_scope, out_of_scope


def contains(text: str, fact: str) -> bool:
    """Return True when `fact` occurs in `text`, ignoring case and runs of whitespace."""
    return " ".join(fact.lower().split()) in " ".join(text.lower().split())


def build_bot(device: str, dataset: Callable[[str], Path]) -> tuple:
    """Return (assistant, model, tokenizer) on one device.

    `dataset` fetches a registry entry: `ctx.dataset` in a run, `shared.registry.fetch` in chat.
    """
    from shared.devices import resolve_device
    from shared.llm import REGISTRY_NAME, load_chat_model
    from week15_transformers.assistant import CourseAssistant

    device = resolve_device(device)
    assistant = CourseAssistant.load(dataset, device)
    model, tokenizer = load_chat_model(dataset(REGISTRY_NAME), device)
    return assistant, model, tokenizer


def answer(bot: tuple, grounded, max_new_tokens: int) -> dict:
    """Generate one sentence from a grounded question's evidence, unless the notes lack it."""
    from shared.llm import stream_reply
    from week15_transformers.assistant import NOT_COVERED, grounded_messages

    _, model, tokenizer = bot
    if grounded.abstained:
        return {"answer": NOT_COVERED, "ttft": 0.0, "seconds": 0.0, "tokens": 0}
    start = time.perf_counter()
    pieces, first = [], None
    for piece in stream_reply(
        model, tokenizer, grounded_messages(grounded), max_new_tokens=max_new_tokens
    ):
        first = first or time.perf_counter() - start
        pieces.append(piece)
    seconds = time.perf_counter() - start
    return {
        "answer": "".join(pieces).strip(),
        "ttft": first or seconds,
        "seconds": seconds,
        "tokens": len(tokenizer("".join(pieces), add_special_tokens=False)["input_ids"]),
    }


NOT_GENERATED = {"answer": "", "ttft": 0.0, "seconds": 0.0, "tokens": 0}


def right_readme_holds(hits, q: Question) -> bool:
    """Return True when a hit comes from the question's README and holds its fact."""
    return any(hit.chunk.source == q.readme and contains(hit.chunk.text, q.fact) for hit in hits)


def grounding_marks(assistant, q: Question) -> dict:
    """Ground one in-scope question (no generation); return its grounding and what it got right."""
    grounded = assistant.ground(q.question)
    evidence = grounded.evidence.text if grounded.evidence else ""
    return {
        "grounded": grounded,
        "hit": right_readme_holds(grounded.hits, q),
        "dense": right_readme_holds(assistant.index.search(q.question, 3, "dense"), q),
        "bm25": right_readme_holds(assistant.index.search(q.question, 3, "bm25"), q),
        "evidence": contains(evidence, q.fact),
        "refused": grounded.abstained,
    }


def rates(split: str, marks: list[dict], refused_out: list[bool]) -> dict[str, float]:
    """Return a split's grounding metrics: hit@3 (fused, dense, BM25), evidence, refusals."""
    n = len(marks)

    def share(key: str) -> float:
        return sum(m[key] for m in marks) / n

    return {
        f"{split}_questions": float(n),
        f"{split}_out_of_scope_questions": float(len(refused_out)),
        f"{split}_retrieval_hit_at_3": share("hit"),
        f"{split}_dense_hit_at_3": share("dense"),
        f"{split}_bm25_hit_at_3": share("bm25"),
        f"{split}_evidence_fact_rate": share("evidence"),
        f"{split}_in_scope_refused": share("refused"),
        f"{split}_out_of_scope_refused": sum(refused_out) / len(refused_out)
        if refused_out
        else 0.0,
    }


def score_split(
    ctx: RunContext, bot: tuple, split: str, questions, refusals, max_new: int | None
) -> dict:
    """Ground one split's questions and answer them (unless `max_new` is None).

    Returns its metrics, its table rows and retrieval scores.
    """
    assistant, rows, scores, marks = bot[0], [], {"in": [], "out": []}, []
    answered, ttfts, tokens, seconds = 0, [], 0, 0.0
    for q in questions:
        mark = grounding_marks(assistant, q)
        grounded = mark["grounded"]
        result = answer(bot, grounded, max_new) if max_new is not None else NOT_GENERATED
        marks.append(mark)
        answered += contains(result["answer"], q.fact)
        scores["in"].append(grounded.retrieval_score)
        if not grounded.abstained and max_new is not None:
            ttfts.append(result["ttft"])
            tokens, seconds = tokens + result["tokens"], seconds + result["seconds"]
        ctx.log(f"{split} {'hit ' if mark['hit'] else 'miss'} {q.question}")
        evidence = grounded.evidence.text if grounded.evidence else ""
        source = f"{grounded.evidence.source} › {grounded.evidence.heading}" if evidence else "—"
        rows.append(
            [
                split,
                q.question,
                q.fact,
                _mark(mark["hit"]),
                evidence[:160] or "(refused)",
                source,
                _mark(mark["evidence"]),
                result["answer"].replace("\n", " ")[:120] or "(not generated)",
                _mark(contains(result["answer"], q.fact)) if max_new is not None else "–",
            ]
        )
    refused_out = []
    for q in refusals:
        grounded = assistant.ground(q.question)
        refused_out.append(grounded.abstained)
        scores["out"].append(grounded.retrieval_score)
        ctx.log(f"{split} {'refused' if grounded.abstained else 'ANSWERED'} {q.question}")
    metrics = rates(split, marks, refused_out)
    if max_new is not None:
        metrics |= {
            f"{split}_answer_fact_rate": answered / len(questions),
            f"{split}_median_ttft_seconds": sorted(ttfts)[len(ttfts) // 2] if ttfts else 0.0,
            f"{split}_tokens_per_second": tokens / seconds if seconds else 0.0,
        }
    return {"metrics": metrics, "rows": rows, "scores": scores}


def _mark(right: bool) -> str:
    """Return a table cell: "yes", or a bold "no" that stands out."""
    return "yes" if right else "**no**"


def sweep_table(scores: dict[str, list[float]], threshold: float) -> str:
    """Return the abstention sweep on dev: refusal rates of in- and out-of-scope per threshold."""
    rows = []
    for t in sorted({*SWEEP, threshold}):
        wrong = sum(s < t for s in scores["in"]) / max(len(scores["in"]), 1)
        right = sum(s < t for s in scores["out"]) / max(len(scores["out"]), 1)
        mark = " (used)" if t == threshold else ""
        rows.append([f"{t:.2f}{mark}", f"{right:.3f}", f"{wrong:.3f}"])
    return markdown_table(["threshold", "out-of-scope refused", "in-scope refused"], rows)


def run(ctx: RunContext) -> dict[str, float]:
    """Score retrieval, evidence, abstention and answers on the dev and test questions."""
    in_scope, out_of_scope = load_questions()
    config = FAST if ctx.fast else FULL
    max_new = config.max_new_tokens
    bot = build_bot(ctx.device, ctx.dataset)
    chunks = bot[0].index.chunks
    ctx.note(
        f"Indexed {len(chunks)} passages from {len({c.source for c in chunks})} week READMEs; "
        f"abstains below a best-passage cosine of {bot[0].threshold:.2f} (chosen on dev)."
    )
    metrics, rows, dev_scores = {}, [], {}
    for split in SPLITS:
        questions = [q for q in in_scope if q.split == split][: config.questions]
        refusals = [q for q in out_of_scope if q.split == split][: config.questions]
        generate = max_new if split in config.answer_splits else None
        result = score_split(ctx, bot, split, questions, refusals, generate)
        metrics |= result["metrics"]
        rows += result["rows"]
        dev_scores = result["scores"] if split == "dev" else dev_scores
    ctx.note(
        "### Abstention threshold on the dev questions\n\nThe share refused at each best-passage "
        "cosine threshold.\n\n" + sweep_table(dev_scores, bot[0].threshold)
    )
    ctx.note(
        "### Questions\n\nWhether a top-3 passage from the right README holds the fact "
        "(hit@3), the evidence the reader quoted and its source, and the generated answer "
        f"(greedy, first 120 characters; generated for {', '.join(config.answer_splits)} "
        "only: `chat-eval --answers` generates dev's).\n\n"
        + markdown_table(
            [
                "split",
                "question",
                "fact",
                "hit@3",
                "evidence",
                "source",
                "fact in evidence",
                "answer",
                "fact in answer",
            ],
            rows,
        )
    )
    ctx.info["chat_model"] = "SmolLM2-135M-Instruct (GGUF Q4_1, dequantized to float32)"
    return metrics


def grounding(assistant, question: str):
    """Return the chat turn for `question`: evidence as notes and footer, or the abstention."""
    from shared.llm import Grounding
    from week15_transformers.assistant import NOT_COVERED, notes, source_line

    grounded = assistant.ground(question)
    if grounded.evidence is None:
        return Grounding(reply=NOT_COVERED, footer="evidence: none close enough in the READMEs")
    evidence = grounded.evidence
    return Grounding(
        notes=notes(evidence),
        footer=f'evidence: "{evidence.text}"\nsource: {source_line(evidence)}',
    )


def main(argv: list[str]) -> int:
    """`python -m week15_transformers chat`: talk with the course assistant in the terminal."""
    from shared.devices import DEVICE_CHOICES
    from shared.llm import chat_repl
    from shared.registry import fetch
    from week15_transformers.assistant import SYSTEM

    parser = argparse.ArgumentParser(
        prog="python -m week15_transformers chat",
        description="Ask SmolLM2-135M-Instruct about this course: each answer quotes its "
        "evidence from the week READMEs, or says the notes do not cover the question. "
        "/reset forgets the conversation, /quit or Ctrl-D ends it.",
    )
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    parser.add_argument("--top-p", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-retrieval", action="store_true", help="chat without the READMEs")
    args = parser.parse_args(argv)
    print("loading the models …", flush=True)
    assistant, model, tokenizer = build_bot(args.device, fetch)
    print("ask about the course; /reset forgets, /quit ends", flush=True)
    chat_repl(
        model,
        tokenizer,
        SYSTEM,
        context=None if args.no_retrieval else lambda q: grounding(assistant, q),
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_p=args.top_p,
        seed=args.seed,
    )
    return 0


def evaluate_main(argv: list[str]) -> int:
    """`python -m week15_transformers chat-eval`: score grounding alone (no generation), seconds.

    On dev it prints every in-scope question the evidence misses and every out-of-scope one
    answered, to study; on test only the rates, so no choice is made on test failures.
    `--answers` also generates each answer and reports how many hold the fact (minutes).
    """
    from shared.devices import DEVICE_CHOICES, resolve_device
    from shared.registry import fetch
    from week15_transformers.assistant import CourseAssistant

    parser = argparse.ArgumentParser(
        prog="python -m week15_transformers chat-eval",
        description="Score the assistant's retrieval, evidence and abstention on one split of "
        "course_questions.toml without generating answers.",
    )
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument(
        "--answers", action="store_true", help="also generate the answers (SmolLM2; minutes)"
    )
    args = parser.parse_args(argv)
    in_scope, out_of_scope = load_questions()
    if args.answers:
        bot = build_bot(args.device, fetch)
    else:
        bot = (CourseAssistant.load(fetch, resolve_device(args.device)), None, None)
    assistant, marks, answered = bot[0], [], 0
    for q in (q for q in in_scope if q.split == args.split):
        marks.append(grounding_marks(assistant, q))
        if args.answers:
            reply = answer(bot, marks[-1]["grounded"], FULL.max_new_tokens)["answer"]
            answered += contains(reply, q.fact)
        evidence = marks[-1]["grounded"].evidence
        if args.split == "dev" and not marks[-1]["evidence"]:
            quoted = evidence.text if evidence else "(refused)"
            print(f"miss (hit@3 {marks[-1]['hit']}) {q.question} [{q.fact}] <- {quoted[:160]}")
    refused_out = []
    for q in (q for q in out_of_scope if q.split == args.split):
        refused_out.append(assistant.ground(q.question).abstained)
        if args.split == "dev" and not refused_out[-1]:
            print(f"answered out of scope: {q.question}")
    for name, value in rates(args.split, marks, refused_out).items():
        print(f"{name} {value:.3f}")
    if args.answers:
        print(f"{args.split}_answer_fact_rate {answered / len(marks):.3f}")
    return 0


def labelled_units(assistant, questions: list[Question]) -> tuple[list, list]:
    """Return each question's reader features and labels (1 where a unit holds its fact)."""
    from week15_transformers.reader import READ_PASSAGES, unit_features

    features, labels = [], []
    for q in questions:
        hits = assistant.index.search(q.question, READ_PASSAGES)
        candidates, x = unit_features(q.question, hits, assistant.index.encoder, assistant.idf)
        features.append(x)
        labels.append(np.array([contains(unit, q.fact) for _, unit in candidates], dtype=int))
    return features, labels


def picked_rate(features: list, labels: list, weights: dict[str, float]) -> float:
    """Return the share of questions whose highest-weighted unit holds the fact."""
    from week15_transformers.reader import unit_scores

    picked = [y[np.argmax(unit_scores(x, weights))] for x, y in zip(features, labels, strict=True)]
    return float(np.mean(picked))


def fit_main(argv: list[str]) -> int:
    """`python -m week15_transformers chat-fit`: learn the reader's weights on the train questions.

    Fits one reader per C of FIT_GRID on train, prints each one's dev rate (the reader alone:
    the share of dev questions whose best unit holds the fact), then the weights at FIT_C to
    paste into reader.py's WEIGHTS, and the rate of the weights reader.py ships.
    """
    from shared.devices import DEVICE_CHOICES, resolve_device
    from shared.registry import fetch
    from week15_transformers.assistant import CourseAssistant
    from week15_transformers.reader import FIT_C, WEIGHTS, fit_weights

    parser = argparse.ArgumentParser(
        prog="python -m week15_transformers chat-fit",
        description="Learn the reader's feature weights on the train questions of "
        "course_questions.toml and compare regularisations on dev.",
    )
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    args = parser.parse_args(argv)
    in_scope, _ = load_questions()
    assistant = CourseAssistant.load(fetch, resolve_device(args.device))
    train = labelled_units(assistant, [q for q in in_scope if q.split == "train"])
    dev = labelled_units(assistant, [q for q in in_scope if q.split == "dev"])
    print(f"train: {len(train[0])} questions, {sum(map(len, train[1]))} units")
    fitted = {c: fit_weights(*train, c=c) for c in sorted({*FIT_GRID, FIT_C})}
    for c, weights in fitted.items():
        print(
            f"C={c:g}: train {picked_rate(*train, weights):.3f} dev {picked_rate(*dev, weights):.3f}"
        )
    print(f"WEIGHTS at C={FIT_C:g} (reader.py):")
    print(
        "{\n"
        + "".join(f'    "{name}": {value:.4f},\n' for name, value in fitted[FIT_C].items())
        + "}"
    )
    print(
        f"shipped WEIGHTS: train {picked_rate(*train, WEIGHTS):.3f} dev {picked_rate(*dev, WEIGHTS):.3f}"
    )
    return 0
