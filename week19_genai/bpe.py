"""Byte-level BPE, the tokenizer GPT-2 uses: trained here from scratch, or run with GPT-2's merges.

Text is encoded to UTF-8 bytes, and each byte is shown as one printable character
(`bytes_to_unicode`, so a space is `Ġ`), which is why any Unicode string round-trips: the
base vocabulary is the 256 bytes. GPT-2's regular expression cuts the text into chunks (a word
with its leading space, a number, a run of punctuation, whitespace); merges never cross a chunk.
Training counts adjacent symbol pairs over the chunks and merges the most frequent pair, again
and again: each merge is one new token. Encoding replays the merges in the order they were
learnt (the lowest rank first), which is what makes the same merges give the same ids as
GPT-2's own tokenizer. Vocabulary and merges are saved in GPT-2's file format (encoder.json +
vocab.bpe), so Hugging Face's GPT2TokenizerFast reads a tokenizer trained here too.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import regex

from shared.atomic import write_text_atomic

# GPT-2's pre-tokenizer (openai/gpt-2, src/encoder.py): contractions, letters, numbers, other
# symbols, each optionally after one space; whitespace not followed by a non-space last.
GPT2_PATTERN = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
)
END_OF_TEXT = "<|endoftext|>"
MERGES_HEADER = "#version: 0.2"


@functools.cache
def bytes_to_unicode() -> dict[int, str]:
    """Map each byte 0..255 to a printable character, as GPT-2 does (bytes that print keep theirs).

    BPE then works on ordinary strings with no whitespace or control characters in them.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    chars = list(printable)
    shift = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + shift)
            shift += 1
    return {byte: chr(char) for byte, char in zip(printable, chars, strict=True)}


@functools.cache
def unicode_to_bytes() -> dict[str, int]:
    """Return the inverse of `bytes_to_unicode`."""
    return {char: byte for byte, char in bytes_to_unicode().items()}


def pretokenize(text: str) -> list[str]:
    """Cut text into GPT-2's chunks and spell each one in the byte alphabet."""
    table = bytes_to_unicode()
    try:
        return [
            "".join(table[b] for b in chunk.encode("utf-8")) for chunk in GPT2_PATTERN.findall(text)
        ]
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"text holds a character UTF-8 cannot encode ({exc.reason} at {exc.start}): "
            "a lone surrogate is not Unicode text; decode the source with errors='replace'"
        ) from exc


def pair_counts(words: dict[tuple[str, ...], int]) -> Counter[tuple[str, str]]:
    """Count each adjacent symbol pair over all chunks, weighted by how often the chunk occurs."""
    counts: Counter[tuple[str, str]] = Counter()
    for symbols, freq in words.items():
        for pair in itertools.pairwise(symbols):
            counts[pair] += freq
    return counts


def merge_pair(symbols: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    """Return `symbols` with every occurrence of `pair`, left to right, fused into one symbol."""
    merged, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            merged.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return tuple(merged)


def learn_merges(
    texts: Iterable[str], num_merges: int, min_count: int = 2
) -> list[tuple[str, str]]:
    """Learn up to `num_merges` merges from `texts`: always the most frequent pair next.

    Ties go to the pair that sorts first, so training is deterministic. Only the chunks that
    hold the chosen pair are rewritten and recounted, which keeps each step cheap.
    """
    chunk_counts = Counter(chunk for text in texts for chunk in pretokenize(text))
    words = [tuple(chunk) for chunk in chunk_counts]
    freqs = list(chunk_counts.values())
    counts: Counter[tuple[str, str]] = Counter()
    where: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for index, symbols in enumerate(words):
        for pair in itertools.pairwise(symbols):
            counts[pair] += freqs[index]
            where[pair].add(index)
    merges = []
    while len(merges) < num_merges and counts:
        best = min(counts, key=lambda p: (-counts[p], p))
        if counts[best] < min_count:
            break
        merges.append(best)
        for index in where.pop(best):
            old = words[index]
            new = merge_pair(old, best)
            for pair in itertools.pairwise(old):
                counts[pair] -= freqs[index]
                if counts[pair] <= 0:
                    del counts[pair]
            for pair in itertools.pairwise(new):
                counts[pair] += freqs[index]
                where[pair].add(index)
            words[index] = new
    return merges


class ByteLevelBPE:
    """A byte-level BPE tokenizer: a vocabulary (token string -> id) and ranked merges."""

    def __init__(
        self,
        vocab: dict[str, int],
        merges: Sequence[tuple[str, str]],
        special_tokens: Sequence[str] = (),
    ) -> None:
        missing = [c for c in bytes_to_unicode().values() if c not in vocab]
        if missing:
            raise ValueError(f"the vocabulary lacks {len(missing)} of the 256 byte tokens")
        self.vocab = dict(vocab)
        self.inverse = {i: token for token, i in self.vocab.items()}
        self.ranks = {tuple(pair): rank for rank, pair in enumerate(merges)}
        self.special_tokens = [t for t in special_tokens if t in self.vocab]
        escaped = "|".join(regex.escape(t) for t in self.special_tokens)
        self.special_pattern = regex.compile(f"({escaped})") if escaped else None
        self._chunk_ids = functools.lru_cache(maxsize=100_000)(self._encode_chunk)

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int) -> ByteLevelBPE:
        """Learn merges from `texts` until the vocabulary holds `vocab_size` tokens.

        Training stops earlier when no pair occurs twice any more (a tiny corpus).
        """
        if vocab_size < 256:
            raise ValueError(f"vocab_size must be at least 256 (the byte tokens), not {vocab_size}")
        merges = learn_merges(texts, vocab_size - 256)
        vocab = {char: byte for byte, char in bytes_to_unicode().items()}
        for left, right in merges:
            vocab[left + right] = len(vocab)
        return cls(vocab, merges)

    @classmethod
    def from_files(cls, encoder_json: Path, vocab_bpe: Path) -> ByteLevelBPE:
        """Load GPT-2's format: encoder.json (token -> id) and vocab.bpe (one merge a line)."""
        vocab = json.loads(Path(encoder_json).read_text(encoding="utf-8"))
        lines = Path(vocab_bpe).read_text(encoding="utf-8").splitlines()
        if lines and lines[0].startswith("#version"):
            lines = lines[1:]
        merges = [tuple(line.split(" ")) for line in lines if line]
        if bad := [m for m in merges if len(m) != 2]:
            raise ValueError(
                f"{vocab_bpe}: a merge line holds two tokens, not {' '.join(bad[0])!r}"
            )
        return cls(vocab, merges, special_tokens=[END_OF_TEXT])

    def save(self, folder: Path) -> tuple[Path, Path]:
        """Write encoder.json and vocab.bpe into `folder` (GPT-2's format), each atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        merges = sorted(self.ranks, key=self.ranks.__getitem__)
        encoder, bpe = folder / "encoder.json", folder / "vocab.bpe"
        write_text_atomic(encoder, json.dumps(self.vocab, ensure_ascii=False))
        write_text_atomic(bpe, "\n".join([MERGES_HEADER, *(" ".join(m) for m in merges)]) + "\n")
        return encoder, bpe

    def __len__(self) -> int:
        return len(self.vocab)

    def _encode_chunk(self, chunk: str) -> tuple[int, ...]:
        """Apply the merges to one chunk, lowest rank first, and return its token ids."""
        symbols = tuple(chunk)
        while len(symbols) > 1:
            pairs = set(itertools.pairwise(symbols))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            symbols = merge_pair(symbols, best)
        return tuple(self.vocab[s] for s in symbols)

    def encode(self, text: str) -> list[int]:
        """Return the token ids of `text`; special tokens (GPT-2's <|endoftext|>) map to one id."""
        pieces = self.special_pattern.split(text) if self.special_pattern else [text]
        ids: list[int] = []
        for piece in pieces:
            if piece in self.special_tokens:
                ids.append(self.vocab[piece])
                continue
            for chunk in pretokenize(piece):
                ids.extend(self._chunk_ids(chunk))
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Return the text of `ids`; a byte sequence cut mid-character decodes to U+FFFD."""
        table = unicode_to_bytes()
        try:
            tokens = [self.inverse[int(i)] for i in ids]
        except KeyError as exc:
            raise ValueError(
                f"token id {exc.args[0]} is not in this {len(self)}-token vocabulary"
            ) from exc
        out, buffer = [], bytearray()
        for token in tokens:
            if token in self.special_tokens:
                out.append(buffer.decode("utf-8", errors="replace") + token)
                buffer.clear()
            else:
                buffer.extend(table[c] for c in token)
        out.append(buffer.decode("utf-8", errors="replace"))
        return "".join(out)

    def tokens(self, text: str) -> list[str]:
        """Return the token strings of `text`, to show how it was cut."""
        return [self.inverse[i] for i in self.encode(text)]
