"""Week 15's fine-tuned transformer on ONNX Runtime: the dashboard's third column without PyTorch.

`python -m week24_deploy export-sentiment` exports the MiniLM classifier week 15 saves to
`transformer.onnx` (its sidecar holds the sha256, the labels and the accuracies per domain) and
writes the tokenizer as `tokenizer.json`, beside the weights by default. Those three files are all
this module reads: the `tokenizers` library splits the text exactly as transformers' fast
tokenizer does, ONNX Runtime runs the graph, so nothing on this path imports torch or
transformers and the sentiment image goes without them. On the held-out tweets its probabilities
are the torch path's within 1e-4 (the bar of week 22's sentiment run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shared.onnx_model import OnnxModel

ONNX_FILE = "transformer.onnx"
TOKENIZER_FILE = "tokenizer.json"
EXPORT_COMMAND = "python -m week24_deploy export-sentiment"
MAX_TOKENS = 128  # week 15 fine-tunes on texts truncated to 128 tokens; both runtimes cut there
BATCH = 32  # texts per call, padded to the batch's longest, as the torch path batches them


@dataclass
class OnnxTransformer:
    """The exported classifier and its tokenizer: texts -> week 14's labels and probabilities."""

    model: OnnxModel
    tokenizer: object  # a tokenizers.Tokenizer, truncating and padding
    labels: list[str]
    domains: dict = field(default_factory=dict)  # trained_on and accuracy, from week 15's run
    runtime: str = "ONNX Runtime"

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """An (n, classes) array of softmax probabilities, BATCH texts per ONNX Runtime call."""
        from scipy.special import softmax

        wanted = [i.name for i in self.model.session.get_inputs()]
        chunks = []
        for start in range(0, len(texts), BATCH):
            encoded = self.tokenizer.encode_batch(texts[start : start + BATCH])
            columns = {
                "input_ids": [e.ids for e in encoded],
                "attention_mask": [e.attention_mask for e in encoded],
                "token_type_ids": [e.type_ids for e in encoded],
            }
            feeds = {name: np.array(columns[name], dtype=np.int64) for name in wanted}
            logits = self.model.session.run(None, feeds)[0]
            chunks.append(softmax(logits.astype(np.float32), axis=1))
        return np.concatenate(chunks) if chunks else np.zeros((0, len(self.labels)), np.float32)

    def predict(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Labels and their probabilities."""
        return top_labels(self.labels, self.probabilities(texts))


def top_labels(labels: list[str], probs: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Each row's most probable label and its probability (what both runtimes answer)."""
    return [labels[i] for i in probs.argmax(axis=1)], probs.max(axis=1)


def has_onnx(folder: Path) -> bool:
    """Whether `folder` holds an exported transformer (the .onnx file)."""
    return (Path(folder) / ONNX_FILE).is_file()


def load_onnx_transformer(folder: Path) -> OnnxTransformer:
    """The exported transformer in `folder`, its sha256 checked; FileNotFoundError naming the
    export command when the tokenizer is missing."""
    from tokenizers import Tokenizer

    folder = Path(folder)
    tokenizer_path = folder / TOKENIZER_FILE
    if not tokenizer_path.is_file():
        raise FileNotFoundError(
            f"{folder} has {ONNX_FILE} but no {TOKENIZER_FILE}: run `{EXPORT_COMMAND} "
            f"--out {folder}` again"
        )
    model = OnnxModel(folder / ONNX_FILE)
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=model.meta["pad_id"], pad_token=model.meta["pad_token"])
    return OnnxTransformer(model, tokenizer, list(model.meta["labels"]), model.meta["domains"])
