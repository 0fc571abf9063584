"""Chatbot: SmolLM2-135M-Instruct answering questions about this course from its READMEs.

A 135M-parameter chat model knows nothing about this repository, so each question first
retrieves the three README passages closest to it (MiniLM embeddings, cosine similarity:
retrieval.py) and the model answers from the closest one (retrieval-augmented generation,
Lewis et al. 2020). The conversation goes through the model's chat template, older turns are
dropped when the context window fills, and tokens are streamed as they are generated
(shared/llm.py).
The run scores a fixed set of questions (course_questions.toml) whose answers are facts in the
READMEs: retrieval hit@3 (a top-3 passage from the right README holds the fact) and the share
of greedy answers that contain the fact. `python -m week15_transformers chat` is the same bot,
interactive.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shared.bars import Bar
from shared.context import RunContext
from shared.report import markdown_table

BARS = [
    Bar(
        "retrieval_hit_at_3",
        ">=",
        0.90,
        "issue 11: the right README passage is among the top 3 (MiniLM, Reimers & Gurevych 2019)",
    ),
    Bar(
        "answer_fact_rate",
        ">=",
        0.60,
        "issue 11: retrieval-augmented answers (Lewis et al. 2020) contain the expected fact",
    ),
]
QUESTIONS_FILE = Path(__file__).with_name("course_questions.toml")
SYSTEM = (
    "You are the teaching assistant of ml-roadmap, a 24-week machine-learning course. "
    "Answer in one short sentence, using the words of the notes."
)
TOP_K = 3
# Passages the model reads. Measured on the 24 questions (2026-12-06): the top passage alone gave
# 8 answers with the fact, the top three 5: the 135M model loses the fact in a longer prompt.
PROMPT_PASSAGES = 1
MAX_NEW_TOKENS = 48
FAST_QUESTIONS, FAST_NEW_TOKENS = 3, 12


@dataclass(frozen=True)
class Question:
    """One evaluation question, the fact its answer must contain, and the README holding it."""

    question: str
    fact: str
    readme: str


def load_questions(path: Path = QUESTIONS_FILE) -> list[Question]:
    """Read the evaluation questions from TOML ([[question]] tables)."""
    with path.open("rb") as f:
        rows = tomllib.load(f).get("question", [])
    if not rows:
        raise ValueError(f"{path} holds no [[question]] tables")
    return [Question(**row) for row in rows]


def contains(text: str, fact: str) -> bool:
    """Return True when `fact` occurs in `text`, ignoring case and runs of whitespace."""
    return " ".join(fact.lower().split()) in " ".join(text.lower().split())


def build_bot(device: str, dataset: Callable[[str], Path]) -> tuple:
    """Return (index, model, tokenizer): the README index and the chat model, on one device.

    `dataset` fetches a registry entry: `ctx.dataset` in a run, `shared.registry.fetch` in chat.
    """
    from shared.devices import resolve_device
    from shared.llm import REGISTRY_NAME, load_chat_model
    from week15_transformers.retrieval import ReadmeIndex
    from week15_transformers.sentence_embeddings import SentenceEncoder

    device = resolve_device(device)
    index = ReadmeIndex.from_repository(SentenceEncoder(dataset("all_minilm_l6_v2"), device))
    model, tokenizer = load_chat_model(dataset(REGISTRY_NAME), device)
    return index, model, tokenizer


def ask(index, model, tokenizer, question: str, max_new_tokens: int) -> dict:
    """Answer one question with retrieval; return the passages, answer and timings."""
    from shared.llm import stream_reply, with_context
    from week15_transformers.retrieval import as_context

    hits = index.search(question, TOP_K)
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": with_context(question, as_context(hits[:PROMPT_PASSAGES]))},
    ]
    start = time.perf_counter()
    pieces, first = [], None
    for piece in stream_reply(model, tokenizer, messages, max_new_tokens=max_new_tokens):
        first = first or time.perf_counter() - start
        pieces.append(piece)
    seconds = time.perf_counter() - start
    answer = "".join(pieces).strip()
    tokens = len(tokenizer(answer, add_special_tokens=False)["input_ids"])
    return {
        "hits": hits,
        "answer": answer,
        "ttft": first or seconds,
        "seconds": seconds,
        "tokens": tokens,
    }


def run(ctx: RunContext) -> dict[str, float]:
    """Score retrieval and answers on the course questions."""
    questions = load_questions()[:FAST_QUESTIONS] if ctx.fast else load_questions()
    max_new = FAST_NEW_TOKENS if ctx.fast else MAX_NEW_TOKENS
    index, model, tokenizer = build_bot(ctx.device, ctx.dataset)
    ctx.note(
        f"Indexed {len(index.chunks)} passages from "
        f"{len({c.source for c in index.chunks})} week READMEs."
    )
    rows, hit_count, fact_count, ttfts, tokens, gen_seconds = [], 0, 0, [], 0, 0.0
    for q in questions:
        result = ask(index, model, tokenizer, q.question, max_new)
        hit = any(c.source == q.readme and contains(c.text, q.fact) for c, _ in result["hits"])
        right = contains(result["answer"], q.fact)
        hit_count, fact_count = hit_count + hit, fact_count + right
        ttfts.append(result["ttft"])
        tokens += result["tokens"]
        gen_seconds += result["seconds"]
        ctx.log(f"{'hit ' if hit else 'miss'} {'ok ' if right else 'no '} {q.question}")
        top = result["hits"][0][0]
        rows.append(
            [
                q.question,
                q.fact,
                f"{top.source} › {top.heading}",
                "yes" if hit else "**no**",
                result["answer"].replace("\n", " ")[:160],
                "yes" if right else "**no**",
            ]
        )
    ctx.note(
        "### Questions\n\nTop passage, whether a top-3 passage from the right README holds the "
        "fact (hit@3), and the greedy answer (first 160 characters).\n\n"
        + markdown_table(
            ["question", "fact", "top passage", "hit@3", "answer", "fact in answer"], rows
        )
    )
    ctx.info["chat_model"] = "SmolLM2-135M-Instruct (GGUF Q4_1, dequantized to float32)"
    return {
        "questions": float(len(questions)),
        "retrieval_hit_at_3": hit_count / len(questions),
        "answer_fact_rate": fact_count / len(questions),
        "median_ttft_seconds": sorted(ttfts)[len(ttfts) // 2],
        "tokens_per_second": tokens / gen_seconds if gen_seconds else 0.0,
    }


def main(argv: list[str]) -> int:
    """`python -m week15_transformers chat`: talk with the course assistant in the terminal."""
    from shared.devices import DEVICE_CHOICES
    from shared.llm import chat_repl
    from shared.registry import fetch

    parser = argparse.ArgumentParser(
        prog="python -m week15_transformers chat",
        description="Chat with SmolLM2-135M-Instruct about this course (retrieval over the "
        "week READMEs). /reset forgets the conversation, /quit or Ctrl-D ends it.",
    )
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    parser.add_argument("--top-p", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-retrieval", action="store_true", help="chat without the READMEs")
    args = parser.parse_args(argv)
    print("loading the models …", flush=True)
    index, model, tokenizer = build_bot(args.device, fetch)
    print("ask about the course; /reset forgets, /quit ends", flush=True)
    chat_repl(
        model,
        tokenizer,
        SYSTEM,
        context=None if args.no_retrieval else lambda q: index.context(q, PROMPT_PASSAGES),
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_p=args.top_p,
        seed=args.seed,
    )
    return 0
