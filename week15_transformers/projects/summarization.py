"""Extractive summarization with MiniLM sentence embeddings, scored by ROUGE against experts.

ACLSum (Takeshita et al., NAACL 2024) gives 250 ACL papers as sentences (abstract, introduction,
conclusion) with three expert-written one-sentence summaries each: the paper's challenge, its
approach and its outcome. Their concatenation is the reference summary here; every method picks
three sentences of the paper. The embedding summarizers (centroid, MMR, TextRank and title-query
over MiniLM sentence embeddings, extractive.py) each pick from the whole paper or from its
abstract only (`abstract_*`): where a summarizer looks matters as much as how it picks. They are
compared on the validation papers, the best is chosen there, and all are then scored on the 100
test papers against lead-3 (the abstract's first sentences), random-3 and random-3 from the
abstract (the share of the gain the section alone gives), with ROUGE-1/2/L F1 (rouge.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.plotting import label, subplots
from shared.report import markdown_table
from week15_transformers import extractive
from week15_transformers.rouge import rouge
from week15_transformers.sentence_encoder import SentenceEncoder

K = 3  # sentences per summary: the reference has three (challenge, approach, outcome)
SECTIONS = ("abstract", "introduction", "conclusion")
ASPECTS = ("challenge", "approach", "outcome")
PICKERS = ("centroid", "mmr", "textrank", "title")
EMBEDDING_METHODS = (*PICKERS, *(f"abstract_{picker}" for picker in PICKERS))
BASELINES = ("lead", "random", "abstract_random")
# Issue 11: the embedding summarizer must beat random-3 by at least 5 ROUGE-L points (F1 x 100).
BARS = [Bar("chosen_minus_random_rougeL", ">=", 5.0, "issue 11: random-3 + 5 ROUGE-L points")]


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    val_papers: int | None = None  # validation papers read (None: all)
    test_papers: int | None = None  # test papers read (None: all)


FULL = Config()
FAST = Config(val_papers=2, test_papers=3)


@dataclass(frozen=True)
class Paper:
    """One ACLSum paper: its sentences in reading order, their sections, the reference summary."""

    paper_id: str
    title: str
    sentences: list[str]
    sections: list[str]
    reference: str

    def scope(self, method: str) -> np.ndarray:
        """Indices `method` picks from: the abstract's (if it has K) for abstract_*, else all."""
        if method.startswith("abstract_"):
            inside = np.flatnonzero(np.asarray(self.sections) == "abstract")
            if len(inside) >= K:
                return inside
        return np.arange(len(self.sentences))


def load_aclsum(folder: Path, split: str) -> list[Paper]:
    """Read one ACLSum split (train, val, test) from the registry folder."""
    papers = []
    for line in (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        kept = [(s, sec) for sec in SECTIONS for s in record["sentences"][sec] if s.strip()]
        reference = " ".join(record["summary"][aspect] for aspect in ASPECTS)
        sentences, sections = [s for s, _ in kept], [sec for _, sec in kept]
        papers.append(Paper(record["id"], record["title"], sentences, sections, reference))
    return papers


def detokenize(sentence: str) -> str:
    """Undo ACLSum's spaces around punctuation ("word , word ." -> "word, word.") for display."""
    sentence = re.sub(r" ([,.;:!?%)\]])", r"\1", sentence)
    return re.sub(r"([(\[]) ", r"\1", sentence)


def select(
    method: str, paper: Paper, vectors: np.ndarray, title: np.ndarray, rng: np.random.Generator
) -> list[int]:
    """Return the indices of the K sentences `method` picks from its scope of `paper`."""
    scope = paper.scope(method)
    picker, candidates = method.removeprefix("abstract_"), vectors[scope]
    if picker == "lead":
        chosen = extractive.lead(len(candidates), K)
    elif picker == "random":
        chosen = extractive.random_pick(len(candidates), K, rng)
    elif picker == "title":
        chosen = extractive.query(candidates, title, K)
    else:
        chosen = getattr(extractive, picker)(candidates, K)
    return sorted(scope[chosen].tolist())


def evaluate(
    papers: list[Paper],
    embeddings: list[np.ndarray],
    titles: np.ndarray,
    methods: tuple[str, ...],
    seed: int,
) -> tuple[dict[str, dict[str, float]], dict[str, list[list[int]]]]:
    """Return each method's mean ROUGE F1 (x100) over the papers, and the sentences it picked."""
    rng = np.random.default_rng(seed)
    scores = {m: {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0} for m in methods}
    picks: dict[str, list[list[int]]] = {m: [] for m in methods}
    for paper, vectors, title in zip(papers, embeddings, titles, strict=True):
        for method in methods:
            chosen = select(method, paper, vectors, title, rng)
            picks[method].append(chosen)
            summary = " ".join(paper.sentences[i] for i in chosen)
            for key, score in rouge(summary, paper.reference).items():
                scores[method][key] += 100 * score.f1 / len(papers)
    return scores, picks


def run(ctx: RunContext) -> dict[str, float]:
    """Choose the embedding summarizer on validation papers, then score everything on test."""
    config = FAST if ctx.fast else FULL
    folder = ctx.dataset("aclsum")
    val = load_aclsum(folder, "val")[: config.val_papers]
    test = load_aclsum(folder, "test")[: config.test_papers]
    encoder = SentenceEncoder(ctx.dataset("all_minilm_l6_v2"), resolve_device(ctx.device))
    ctx.log(f"embedding the sentences of {len(val)} validation and {len(test)} test papers")
    val_vectors = [encoder.encode(p.sentences) for p in val]
    test_vectors = [encoder.encode(p.sentences) for p in test]
    val_titles = encoder.encode([p.title for p in val])
    test_titles = encoder.encode([p.title for p in test])

    val_scores, _ = evaluate(val, val_vectors, val_titles, EMBEDDING_METHODS, ctx.seed)
    chosen = max(EMBEDDING_METHODS, key=lambda m: val_scores[m]["rougeL"])
    methods = (*EMBEDDING_METHODS, *BASELINES)
    test_scores, picks = evaluate(test, test_vectors, test_titles, methods, ctx.seed)

    metrics: dict[str, float] = {"test_papers": float(len(test)), "val_papers": float(len(val))}
    metrics["mean_sentences"] = float(np.mean([len(p.sentences) for p in test]))
    for method, values in test_scores.items():
        metrics.update({f"{method}_{key}": value for key, value in values.items()})
    for key in ("rouge1", "rouge2", "rougeL"):
        metrics[f"chosen_{key}"] = test_scores[chosen][key]
    metrics["chosen_minus_random_rougeL"] = test_scores[chosen]["rougeL"] - metrics["random_rougeL"]
    metrics["chosen_minus_lead_rougeL"] = test_scores[chosen]["rougeL"] - metrics["lead_rougeL"]
    metrics["chosen_minus_abstract_random_rougeL"] = (
        test_scores[chosen]["rougeL"] - metrics["abstract_random_rougeL"]
    )
    ctx.info["chosen_method"] = chosen

    rows = [[m, *test_scores[m].values()] for m in methods]
    val_rows = [[m, *val_scores[m].values()] for m in EMBEDDING_METHODS]
    example = test[0]
    ctx.note(
        f"Chosen on the {len(val)} validation papers (highest ROUGE-L): **{chosen}**.\n\n"
        + markdown_table(["method (validation)", "ROUGE-1", "ROUGE-2", "ROUGE-L"], val_rows)
        + f"\n\n### Test: {len(test)} papers, ROUGE F1 × 100, {K} sentences each\n\n"
        + markdown_table(["method", "ROUGE-1", "ROUGE-2", "ROUGE-L"], rows)
        + f"\n\n### Example: {example.title}\n\nReference (expert-written): "
        + example.reference
        + f"\n\n{chosen}: "
        + " ".join(detokenize(example.sentences[i]) for i in picks[chosen][0])
        + "\n\nlead-3: "
        + " ".join(detokenize(example.sentences[i]) for i in picks["lead"][0])
    )
    positions_figure(ctx, test, picks)
    return metrics


def positions_figure(
    ctx: RunContext, papers: list[Paper], picks: dict[str, list[list[int]]]
) -> None:
    """Plot where in the paper each method takes its sentences from (relative position)."""
    fig, ax = subplots(width=7, height=4)
    bins = np.linspace(0, 1, 11)
    for method in (*PICKERS, "abstract_title", "random"):
        where = [
            i / len(p.sentences)
            for p, chosen in zip(papers, picks[method], strict=True)
            for i in chosen
        ]
        ax.hist(where, bins=bins, histtype="step", linewidth=2, label=method)
    ax.legend()
    label(
        ax, "Where the picked sentences come from", "position in the paper (0 = start)", "sentences"
    )
    ctx.save_figure(fig, "positions", "Relative position of the sentences each method picks")
