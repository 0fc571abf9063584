"""An encoder-decoder Transformer (Vaswani et al., 2017) built on nn.Transformer, and decoding.

The encoder reads the whole source sentence; the decoder writes the target one token at a time,
attending to the encoder's output and to the tokens it has written so far, never to later ones:
`causal_mask` hides the future. In training the decoder is fed the true previous tokens
(teacher forcing: input BOS y1 .. yn, expected y1 .. yn EOS), so every position learns in one
pass. At inference it feeds its own outputs back: `greedy_decode` takes the most likely token
each step (a batch at once); `beam_decode` keeps the `beam` best partial sentences by total
log-probability and returns the best finished one (length-normalised).

Inputs are token ids with PAD = 0; an empty source, or one longer than `max_len`, is refused with
a ValueError that says so (nothing is silently cut).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")


class Vocab:
    """Token <-> id for one language, the four special tokens first."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.itos = [*SPECIALS, *sorted(set(tokens) - set(SPECIALS))]
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Return the ids of `tokens`; unknown tokens become UNK."""
        return [self.stoi.get(t, UNK) for t in tokens]

    def decode(self, ids: Sequence[int]) -> list[str]:
        """Return the tokens of `ids`, stopping at EOS and skipping PAD and BOS."""
        out = []
        for i in ids:
            if i == EOS:
                break
            if i not in (PAD, BOS):
                out.append(self.itos[i])
        return out


def causal_mask(size: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Return the (size, size) boolean mask with True above the diagonal: position i sees j <= i."""
    return torch.triu(torch.ones(size, size, dtype=torch.bool, device=device), diagonal=1)


class PositionalEncoding(nn.Module):
    """Adds the fixed sine/cosine position signal of Vaswani et al. to token embeddings."""

    def __init__(self, d_model: int, max_len: int) -> None:
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        rate = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = torch.zeros(max_len, d_model)
        table[:, 0::2] = torch.sin(position * rate)
        table[:, 1::2] = torch.cos(position * rate)
        self.register_buffer("table", table, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return x (B, T, d) plus the position signal of positions 0..T-1."""
        return x + self.table[: x.size(1)]


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Sizes of the model; small enough to train on a CPU in a minute or two."""

    d_model: int = 128
    heads: int = 4
    encoder_layers: int = 3
    decoder_layers: int = 3
    feedforward: int = 256
    dropout: float = 0.1
    max_len: int = 48


class Seq2SeqTransformer(nn.Module):
    """Source ids -> target logits: embeddings + positions, nn.Transformer, a linear output."""

    def __init__(self, source_vocab: int, target_vocab: int, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.config = config
        self.source_embed = nn.Embedding(source_vocab, config.d_model, padding_idx=PAD)
        self.target_embed = nn.Embedding(target_vocab, config.d_model, padding_idx=PAD)
        self.positions = PositionalEncoding(config.d_model, config.max_len + 2)
        encoder_layer = nn.TransformerEncoderLayer(
            config.d_model,
            config.heads,
            config.feedforward,
            config.dropout,
            batch_first=True,
            norm_first=True,
        )
        self.transformer = nn.Transformer(
            d_model=config.d_model,
            nhead=config.heads,
            num_decoder_layers=config.decoder_layers,
            dim_feedforward=config.feedforward,
            dropout=config.dropout,
            batch_first=True,
            norm_first=True,
            # built here only to switch off nested tensors, which pre-norm layers cannot use
            custom_encoder=nn.TransformerEncoder(
                encoder_layer,
                config.encoder_layers,
                norm=nn.LayerNorm(config.d_model),
                enable_nested_tensor=False,
            ),
        )
        self.output = nn.Linear(config.d_model, target_vocab)
        self.scale = math.sqrt(config.d_model)

    def check_source(self, source: torch.Tensor) -> None:
        """Refuse an empty source or one longer than the model was built for."""
        lengths = (source != PAD).sum(dim=1)
        if source.numel() == 0 or bool((lengths == 0).any()):
            raise ValueError("empty input: give at least one source token")
        if source.size(1) > self.config.max_len:
            raise ValueError(
                f"input of {source.size(1)} tokens is longer than the {self.config.max_len} "
                "this model reads; shorten it (the model never truncates silently)"
            )

    def encode(self, source: torch.Tensor) -> torch.Tensor:
        """Return the encoder's memory (B, S, d) for source ids (B, S)."""
        self.check_source(source)
        x = self.positions(self.source_embed(source) * self.scale)
        return self.transformer.encoder(x, src_key_padding_mask=source == PAD)

    def decode(
        self, target: torch.Tensor, memory: torch.Tensor, source: torch.Tensor
    ) -> torch.Tensor:
        """Return logits (B, T, V) for target ids (B, T), each position seeing only its past."""
        y = self.positions(self.target_embed(target) * self.scale)
        hidden = self.transformer.decoder(
            y,
            memory,
            tgt_mask=causal_mask(target.size(1), target.device),
            tgt_key_padding_mask=target == PAD,
            memory_key_padding_mask=source == PAD,
        )
        return self.output(hidden)

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Return logits for teacher-forced decoding: target starts with BOS."""
        return self.decode(target, self.encode(source), source)


@torch.inference_mode()
def greedy_decode(model: Seq2SeqTransformer, source: torch.Tensor, max_len: int) -> list[list[int]]:
    """Decode a batch by taking the most likely token each step; return ids up to EOS."""
    model.eval()
    memory = model.encode(source)
    target = torch.full((source.size(0), 1), BOS, dtype=torch.long, device=source.device)
    done = torch.zeros(source.size(0), dtype=torch.bool, device=source.device)
    for _ in range(max_len):
        logits = model.decode(target, memory, source)[:, -1]
        token = logits.argmax(-1).masked_fill(done, PAD)
        target = torch.cat([target, token.unsqueeze(1)], dim=1)
        done |= token == EOS
        if bool(done.all()):
            break
    return [_until_eos(row[1:].tolist()) for row in target]


@torch.inference_mode()
def beam_decode(
    model: Seq2SeqTransformer, source: torch.Tensor, max_len: int, beam: int = 4
) -> list[int]:
    """Decode one source (1, S) by beam search; return the best finished hypothesis's ids.

    Hypotheses are ranked by total log-probability divided by length, so short outputs are not
    favoured merely for having fewer factors below 1. `beam` hypotheses stay alive at every step
    (one that ends moves to the finished list and frees its place), and the search stops when
    no alive one can still beat the best finished: log-probabilities only add up below zero, so
    an alive hypothesis's score can at best reach its total so far divided by max_len.
    """
    model.eval()
    memory = model.encode(source)
    alive: list[tuple[list[int], float]] = [([BOS], 0.0)]
    finished: list[tuple[list[int], float]] = []
    for _ in range(max_len):
        target = torch.tensor([ids for ids, _ in alive], device=source.device)
        repeated = memory.expand(len(alive), -1, -1)
        logits = model.decode(target, repeated, source.expand(len(alive), -1))[:, -1]
        log_probs = logits.log_softmax(-1)
        candidates = []
        for (ids, score), row in zip(alive, log_probs, strict=True):
            top = row.topk(beam)
            for lp, token in zip(top.values.tolist(), top.indices.tolist(), strict=True):
                candidates.append(([*ids, token], score + lp))
        candidates.sort(key=lambda c: c[1], reverse=True)
        alive = []
        for ids, score in candidates:
            (finished if ids[-1] == EOS else alive).append((ids, score))
            if len(alive) == beam:
                break
        best_finished = max((_normalised(c) for c in finished), default=-math.inf)
        if not alive or best_finished >= max(score for _, score in alive) / max_len:
            break
    best = max(finished or alive, key=_normalised)
    return _until_eos(best[0][1:])


def _normalised(hypothesis: tuple[list[int], float]) -> float:
    """A hypothesis's log-probability per generated token (BOS not counted)."""
    ids, score = hypothesis
    return score / (len(ids) - 1)


def _until_eos(ids: list[int]) -> list[int]:
    """Return ids up to (not including) the first EOS."""
    return ids[: ids.index(EOS)] if EOS in ids else ids
