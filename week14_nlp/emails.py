"""Raw emails to text with the standard `email` package, and the SpamAssassin corpus on disk.

`email_text` keeps what a reader of the message sees: the decoded Subject, then the body. A
multipart message is walked part by part; its text/plain parts are used, or where it has none
(HTML-only mail, common in spam) its text/html parts turned into text; attachments and images
are skipped. Transfer encodings (base64, quoted-printable) are undone by the package, and each
part is decoded with the charset it declares. A charset Python does not know, or bytes that are
not valid in the declared one, are decoded as latin-1 instead: every byte becomes some
character, so a message is never lost, only a few of its characters may be wrong (documented
here rather than raised, as real mail is often mislabelled).

`read_messages` opens what the `classify` command is given: one .eml file, an mbox (a file
starting with a `From ` line, the format SpamAssassin's files are in), or a folder of them. A
file that is empty, binary, too large or has no email headers is refused with an EmailError.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.message
import hashlib
import json
import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shared.text import html_to_text

# SpamAssassin's folders and what they hold (the corpus's own readme), first release first.
FOLDERS = {
    "easy-ham-1": "ham",
    "hard-ham-1": "ham",
    "spam-1": "spam",
    "easy-ham-2": "ham",
    "spam-2": "spam",
}
# The two releases Apache published (20021010_*.tar.bz2 and 20030228_*_2.tar.bz2). Their Date
# headers: the first holds mail of Aug-Oct 2002, the second mostly older mail (spam of 2001 to
# Aug 2002, ham of Jul-Aug 2002); hard ham is only in the first.
RELEASES = {
    "2002-10-10": ("easy-ham-1", "hard-ham-1", "spam-1"),
    "2003-02-28": ("easy-ham-2", "spam-2"),
}
MAX_EMAIL_BYTES = 10_000_000  # larger "emails" are archives or data, not mail to classify
_SNIFF_BYTES = 8192


class EmailError(ValueError):
    """A file is not an email that can be classified; the message says which and why."""


@dataclass(frozen=True)
class Email:
    """One message: where it came from and the text a reader sees."""

    source: str
    text: str


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Decode `payload` with its declared charset, falling back to latin-1 (see module doc)."""
    try:
        return payload.decode(charset or "us-ascii")
    except (LookupError, UnicodeDecodeError):
        return payload.decode("latin-1")


def header_text(message: email.message.Message, name: str) -> str:
    """Return a header's value with RFC 2047 encoded words (=?utf-8?b?...?=) decoded.

    Raw 8-bit bytes in a header (not allowed, but common in old spam) arrive as a Header of
    charset unknown-8bit and are decoded like any unknown charset.
    """
    value = message.get(name)
    if value is None:
        return ""
    try:
        parts = email.header.decode_header(value)
    except email.errors.HeaderParseError:
        return str(value)
    return "".join(
        decode_bytes(piece, charset) if isinstance(piece, bytes) else piece
        for piece, charset in parts
    )


def _part_text(part: email.message.Message) -> str:
    """Return one non-multipart part's content as text (HTML turned into its visible text)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_bytes(payload, part.get_content_charset())
    return html_to_text(text) if part.get_content_type() == "text/html" else text


def body_text(message: email.message.Message) -> str:
    """Return the body: the text/plain parts, or the text/html ones when there is no plain part."""
    parts = [
        p
        for p in message.walk()
        if not p.is_multipart() and p.get_content_disposition() != "attachment"
    ]
    plain = [p for p in parts if p.get_content_type() == "text/plain"]
    chosen = plain or [p for p in parts if p.get_content_type() == "text/html"]
    return "\n".join(text for p in chosen if (text := _part_text(p).strip()))


def email_text(message: email.message.Message) -> str:
    """Return what the spam filter reads of a message: its Subject, a newline, its body."""
    return f"{header_text(message, 'Subject')}\n{body_text(message)}"


def parse_email(raw: bytes) -> email.message.Message:
    """Parse one message's raw bytes (the standard, lenient compat32 parser never raises)."""
    return email.message_from_bytes(raw)


def check_raw_email(raw: bytes, source: str) -> None:
    """Raise EmailError when `raw` cannot be an email: empty, binary, too large, no headers."""
    if not raw.strip():
        raise EmailError(f"{source}: the file is empty")
    if len(raw) > MAX_EMAIL_BYTES:
        raise EmailError(
            f"{source}: {len(raw):,} bytes is more than the {MAX_EMAIL_BYTES:,} an email may have"
        )
    if b"\x00" in raw[:_SNIFF_BYTES]:
        raise EmailError(
            f"{source}: binary data (NUL bytes), not an email; pass .eml or mbox files"
        )
    if not parse_email(raw).keys():
        raise EmailError(
            f"{source}: no email headers (a message starts with lines like 'Subject: ...'); "
            "pass .eml or mbox files"
        )


def read_messages(path: Path) -> Iterator[Email]:
    """Yield every message in a file (.eml or mbox) or, for a folder, in each file below it.

    Hidden files are skipped; files are read in sorted order. Raises EmailError on the first
    file that is not an email (see check_raw_email) and when a folder holds no file.
    """
    path = Path(path)
    if not path.exists():
        raise EmailError(f"{path}: no such file or folder")
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not any(x.startswith(".") for x in p.relative_to(path).parts)
        )
        if not files:
            raise EmailError(f"{path}: the folder holds no files to classify")
        for file in files:
            yield from _file_messages(file)
    else:
        yield from _file_messages(path)


def _file_messages(path: Path) -> Iterator[Email]:
    """Yield the message of an .eml file, or each message of an mbox."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EmailError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    check_raw_email(raw, str(path))
    if not raw.startswith(b"From "):
        yield Email(str(path), email_text(parse_email(raw)))
        return
    box = mailbox.mbox(path, create=False)
    try:
        keys = box.keys()
        for number, key in enumerate(keys, start=1):
            source = str(path) if len(keys) == 1 else f"{path}#{number}"
            message = email.message_from_bytes(box.get_bytes(key))
            yield Email(source, email_text(message))
    finally:
        box.close()


@dataclass(frozen=True)
class Corpus:
    """The SpamAssassin corpus as parallel lists: text, folder and label (1 = spam) per email."""

    texts: list[str]
    folders: list[str]
    labels: list[int]
    sources: list[str]


def load_spam_assassin(root: Path, limit_per_folder: int | None = None) -> Corpus:
    """Read the raw emails (`<id>.txt`) of every SpamAssassin folder under `root`.

    `limit_per_folder` keeps the first N of each folder (sorted by name), for smoke runs.
    """
    data = Path(root) / "package" / "data"
    files, folders, labels, sources = [], [], [], []
    for folder, kind in FOLDERS.items():
        found = sorted((data / folder).glob("*.txt"))
        if not found:
            raise FileNotFoundError(f"{data / folder}: no <id>.txt emails; is the cache intact?")
        for file in found[:limit_per_folder]:
            files.append(file)
            folders.append(folder)
            labels.append(int(kind == "spam"))
            sources.append(f"{folder}/{file.name}")
    return Corpus(email_texts([file.read_bytes() for file in files]), folders, labels, sources)


def email_texts(raws: list[bytes]) -> list[str]:
    """Return each raw message's `email_text`, parsed once per set of messages, then cached.

    Parsing SpamAssassin's 6,046 emails takes about 4 CPU seconds; the texts are cached under
    a key of the raw bytes and the source of this module and of shared.text (which turns HTML
    into text), so a change to either re-parses. Written atomically, re-made if unreadable.
    """
    import shared.text
    from shared.atomic import write_text_atomic
    from shared.derived import derived_key
    from shared.paths import cache_dir

    sources = [Path(module).read_bytes() for module in (__file__, shared.text.__file__)]
    key = derived_key(*sources, *(hashlib.sha256(raw).digest() for raw in raws))
    path = cache_dir() / "derived" / f"email-texts-{key}.json"
    try:
        texts = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(texts, list) and len(texts) == len(raws):
            return texts
    except (OSError, ValueError):
        pass
    texts = [email_text(parse_email(raw)) for raw in raws]
    write_text_atomic(path, json.dumps(texts))  # ASCII: lone surrogates survive as escapes
    return texts
