"""The course assistant: retrieve, pick the evidence, or say the notes do not cover the question.

This is the library week 15's `chatbot` project and `chat` command and week 23's chat service
share. `CourseAssistant.ground(question)` retrieves the top README passages (retrieval.py:
BM25 + MiniLM fused by reciprocal rank), and then either
- abstains, when even the best retrieved passage is far from the question (its MiniLM cosine is
  below ABSTAIN_BELOW): the answer is NOT_COVERED and nothing is generated; or
- picks the evidence (reader.py: the sentence, table row or command line that answers) and
  builds the chat model's prompt from it (`messages`).
Every answer so carries its quoted evidence with README path and heading, the way production
retrieval-augmented assistants cite their sources. The threshold was chosen on the dev
questions (README "Chatbot"); the chat model itself is loaded by shared/llm.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from week15_transformers.reader import READ_PASSAGES, Evidence, read, stem_idf
from week15_transformers.retrieval import REPO_ROOT, Hit, ReadmeIndex

NOT_COVERED = "The course notes do not cover this."
SYSTEM = (
    "You are the teaching assistant of ml-roadmap, a 24-week machine-learning course. "
    "Answer in one short sentence, using the words of the notes."
)
TOP_K = 3
# Chosen on the dev questions (2026-12-07): every threshold from 0.30 to 0.43 refused all 12
# out-of-scope dev questions (best cosine at most 0.29) and none of the 44 in-scope ones (best
# cosine at least 0.43); this is the middle of that gap, on a 0.05 grid.
ABSTAIN_BELOW = 0.35


@dataclass(frozen=True)
class Grounded:
    """What the notes give one question: the passages, how close the best is, the evidence."""

    question: str
    hits: list[Hit]
    retrieval_score: float
    evidence: Evidence | None

    @property
    def abstained(self) -> bool:
        """True when the notes do not cover the question (no evidence, nothing to generate)."""
        return self.evidence is None


class CourseAssistant:
    """Grounds questions in the week READMEs: evidence and source, or an abstention."""

    def __init__(self, index: ReadmeIndex, threshold: float = ABSTAIN_BELOW, top_k: int = TOP_K):
        self.index, self.threshold, self.top_k = index, threshold, top_k
        self.idf = stem_idf(index.bm25.idf)

    @classmethod
    def load(
        cls, dataset: Callable[[str], Path], device: str = "cpu", root: Path = REPO_ROOT
    ) -> CourseAssistant:
        """Index the week READMEs under `root` with MiniLM and BM25.

        `dataset` fetches a registry entry (`ctx.dataset` in a run, `shared.registry.fetch`).
        """
        from week15_transformers.sentence_encoder import SentenceEncoder

        encoder = SentenceEncoder(dataset("all_minilm_l6_v2"), device)
        return cls(ReadmeIndex.from_repository(encoder, root))

    def ground(self, question: str) -> Grounded:
        """Retrieve for `question`; abstain below the threshold, else read out the evidence.

        The threshold and `hits` are the top `top_k` passages; the reader reads READ_PASSAGES.
        """
        pool = self.index.search(question, max(self.top_k, READ_PASSAGES))
        hits = pool[: self.top_k]
        score = max(hit.dense for hit in hits)
        if score < self.threshold:
            return Grounded(question, hits, score, None)
        evidence = read(question, pool, self.index.encoder, self.idf)
        return Grounded(question, hits, score, evidence)


def notes(evidence: Evidence) -> str:
    """Return the evidence as the notes the chat model reads: heading, then the quoted unit."""
    return f"[{evidence.source} › {evidence.heading}] {evidence.text}"


def grounded_messages(
    grounded: Grounded, history: Sequence[dict[str, str]] = (), system: str = SYSTEM
) -> list[dict[str, str]]:
    """Return the chat messages that answer a grounded question from its evidence.

    `history` is earlier turns (user/assistant, bare questions); it is never given the evidence
    of older turns, so old notes do not crowd the context window.
    """
    from shared.llm import with_context

    if grounded.evidence is None:
        raise ValueError("the question was not grounded in the notes: answer NOT_COVERED instead")
    turn = with_context(grounded.question, notes(grounded.evidence))
    return [{"role": "system", "content": system}, *history, {"role": "user", "content": turn}]


def source_line(evidence: Evidence) -> str:
    """Return where the evidence is quoted from, as the CLI and the chat page show it."""
    return f"{evidence.source} › {evidence.heading}"
