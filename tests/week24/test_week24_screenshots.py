"""The README's screenshots need week 22's full run: without it, one line naming the command."""

from __future__ import annotations

from shared import upstream
from week24_deploy import screenshots


def test_without_week_22s_models_it_names_the_command_that_makes_them(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(upstream, "REPORTS_DIR", tmp_path)
    assert screenshots.main(["--out", str(tmp_path / "shots")]) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: week 22's TF-IDF sentiment model (week22.tweet_tfidf)")
    assert "`python -m week22_capstone --project sentiment`" in said
    assert not (tmp_path / "shots").exists()
