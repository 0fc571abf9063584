"""Transformers for the tests of what serves week 15's classifier (week 22's sentiment dashboard,
its ONNX export, week 24's sentiment image), in week 15's `save_pretrained` format.

`fast_minilm_tweets` is the fast run of week 15's finetune project: the real all-MiniLM-L6-v2
fine-tuned on 128 tweets (a minute of CPU, a few minutes on a loaded 2-core machine), whose labels
are barely better than chance but whose weights, tokenizer and sidecar are what a full run saves,
so an export and a parity check see the real graph. Never a full run. `tiny_bert` is a randomly
initialised 1-layer BERT, built in a second, for the checks that need only the format; its labels
are arbitrary.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from shared.cli import run_week
from week14_nlp.tweets import LABELS

WORDS = ["i", "love", "hate", "this", "phone", "day", "great", "bad", "it", "is", "what", "a"]


def fast_minilm_tweets(out: Path) -> Path:
    """Run week 15's finetune project at smoke size into `out`; return its tweet model's folder."""
    main = importlib.import_module("week15_transformers.__main__")
    argv = ["--fast", "--project", "finetune", "--out", str(out), "--device", "cpu"]
    assert run_week(main.WEEK, main.TITLE, main.PROJECTS, argv) == 0
    folder = out / "models" / "minilm_tweets"
    assert (folder / "config.json").is_file(), f"week 15's fast run saved no {folder}"
    return folder


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
