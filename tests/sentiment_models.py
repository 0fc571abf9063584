"""Transformers for the tests of what serves week 15's classifier (week 22's sentiment dashboard,
its ONNX export, week 24's sentiment image), in week 15's `save_pretrained` format.

`fast_minilm_tweets` is the fast run of week 15's finetune project: the real all-MiniLM-L6-v2
fine-tuned on 128 tweets (a minute of CPU, a few minutes on a loaded 2-core machine), whose labels
are barely better than chance but whose weights, tokenizer and sidecar are what a full run saves,
so an export and a parity check see the real graph. Never a full run. The model it saves is kept
in the download cache's derived/ folder, named by a hash of everything that makes it (the code of
weeks 14-15 and shared/, the registry, the library versions), so later test runs copy it instead
of training it again, and a change to any of those trains a fresh one. `tiny_bert` is a randomly
initialised 1-layer BERT, built in a second, for the checks that need only the format; its labels
are arbitrary.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import platform
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from shared.cli import run_week
from shared.paths import REGISTRY_FILE, REPO_ROOT, cache_dir
from week14_nlp.tweets import LABELS

# What week 15's fine-tune reads: its code, the week 14 loaders it calls, shared/, the registry.
MINILM_SOURCES = ("week14_nlp", "week15_transformers", "shared")
MINILM_LIBRARIES = ("torch", "transformers", "tokenizers", "numpy", "scikit-learn")

WORDS = ["i", "love", "hate", "this", "phone", "day", "great", "bad", "it", "is", "what", "a"]


def fast_minilm_tweets(out: Path) -> Path:
    """Week 15's finetune project at smoke size, its tweet model copied into `out/minilm_tweets`.

    Trained once per version of its inputs (`minilm_digest`) and kept in the cache's derived/
    folder: a fine-tune of a few CPU minutes per test session, for a model the tests only read.
    """
    cached = cache_dir() / "derived" / f"week15-fast-minilm-tweets-{minilm_digest()}"
    if not (cached / "config.json").is_file():
        _train_into(cached)
    folder = Path(out) / "minilm_tweets"
    shutil.copytree(cached, folder)
    return folder


def minilm_digest() -> str:
    """A hash of the fast fine-tune's inputs: the code and registry it reads, library versions."""
    digest = hashlib.sha256()
    code = (path for package in MINILM_SOURCES for path in (REPO_ROOT / package).rglob("*.py"))
    files = [REGISTRY_FILE, *sorted(code)]
    for path in files:
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    for library in MINILM_LIBRARIES:
        digest.update(f"{library}=={version(library)}\0".encode())
    digest.update(platform.python_version().encode())
    return digest.hexdigest()[:16]


def _train_into(target: Path) -> None:
    """Run week 15's fast fine-tune in a scratch folder; move its tweet model to `target` whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        main = importlib.import_module("week15_transformers.__main__")
        argv = ["--fast", "--project", "finetune", "--out", str(scratch), "--device", "cpu"]
        assert run_week(main.WEEK, main.TITLE, main.PROJECTS, argv) == 0
        folder = scratch / "models" / "minilm_tweets"
        assert (folder / "config.json").is_file(), f"week 15's fast run saved no {folder}"
        try:
            os.replace(folder, target)
        except OSError:  # another test worker saved it first: keep theirs
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def tiny_bert(folder: Path) -> Path:
    """Save a randomly initialised 1-layer BERT classifier with week 14's labels into `folder`."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    BertTokenizerFast(vocab_file=str(vocab)).save_pretrained(folder)
    config = BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
        id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)},
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder
