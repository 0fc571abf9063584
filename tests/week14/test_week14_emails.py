"""Week 14: raw emails to text (multipart, HTML, encodings) and reading .eml, mbox and folders."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

import week14_nlp.emails as emails
from week14_nlp.emails import EmailError, email_text, parse_email, read_messages

ALTERNATIVE = b"""From: Ann <ann@example.org>
To: bob@example.org
Subject: =?utf-8?q?Caf=C3=A9_tonight?=
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XYZ"

--XYZ
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Shall we meet at the caf=C3=A9 at 8?
--XYZ
Content-Type: text/html; charset=utf-8

<p>Shall we meet at the <b>caf&eacute;</b> at 8?</p>
--XYZ--
"""

HTML_ONLY = b"""Subject: WIN BIG
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: base64

""" + base64.encodebytes(
    "<html><head><style>.x{}</style></head><body><h1>You won \xa3100!</h1>"
    "<script>track()</script><a href='http://x'>Click&nbsp;here</a></body></html>".encode("latin-1")
)

WITH_ATTACHMENT = b"""Subject: report
Content-Type: multipart/mixed; boundary="B"

--B
Content-Type: text/plain

See the attached figures.
--B
Content-Type: text/plain; name="data.csv"
Content-Disposition: attachment; filename="data.csv"

a,b,c
--B
Content-Type: image/png
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--B--
"""


def test_multipart_alternative_uses_the_plain_part_and_decodes_headers():
    text = email_text(parse_email(ALTERNATIVE))
    assert text == "Café tonight\nShall we meet at the café at 8?"


def test_html_only_mail_becomes_visible_text():
    text = email_text(parse_email(HTML_ONLY))
    assert text == "WIN BIG\nYou won £100!\nClick here"


def test_attachments_and_images_are_skipped():
    assert email_text(parse_email(WITH_ATTACHMENT)) == "report\nSee the attached figures."


def test_unknown_charset_and_bad_bytes_fall_back_to_latin1():
    raw = (
        b"Subject: =?x-unknown?q?caf=E9?=\nContent-Type: text/plain; charset=x-unknown\n\ncaf\xe9\n"
    )
    assert email_text(parse_email(raw)) == "café\ncafé"
    mislabelled = b"Subject: hi\nContent-Type: text/plain; charset=utf-8\n\nna\xefve\n"
    assert email_text(parse_email(mislabelled)) == "hi\nnaïve"
    raw_header = b"Subject: r\xe9sum\xe9\n\nbody\n"  # 8-bit bytes in a header, not RFC 2047
    assert email_text(parse_email(raw_header)) == "résumé\nbody"


def test_message_without_body_or_subject():
    assert email_text(parse_email(b"From: a@b.c\n\n")) == "\n"


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_read_messages_from_eml_mbox_and_folder(tmp_path):
    _write(tmp_path / "in" / "a.eml", ALTERNATIVE)
    mbox = (
        b"From x@y Mon Jan  1 00:00:00 2024\n"
        + HTML_ONLY
        + b"\nFrom z@y Mon Jan  1 00:00:00 2024\n"
    )
    _write(tmp_path / "in" / "sub" / "box.mbox", mbox + WITH_ATTACHMENT)
    _write(tmp_path / "in" / ".hidden", b"\x00 not read")
    found = list(read_messages(tmp_path / "in"))
    assert [Path(m.source).name for m in found] == ["a.eml", "box.mbox#1", "box.mbox#2"]
    assert found[1].text.startswith("WIN BIG") and found[2].text.startswith("report")
    assert [m.text for m in read_messages(tmp_path / "in" / "a.eml")] == [found[0].text]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"just some words, no headers at all\n", "no email headers"),
    ],
)
def test_files_that_are_not_email_are_refused(tmp_path, data, problem):
    path = _write(tmp_path / "x.eml", data)
    with pytest.raises(EmailError, match=problem) as err:
        list(read_messages(path))
    assert str(path) in str(err.value)


def test_too_large_missing_and_empty_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(emails, "MAX_EMAIL_BYTES", 100)
    with pytest.raises(EmailError, match="more than the 100"):
        list(read_messages(_write(tmp_path / "big.eml", ALTERNATIVE)))
    with pytest.raises(EmailError, match="no such file"):
        list(read_messages(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmailError, match="holds no files"):
        list(read_messages(tmp_path / "empty"))
