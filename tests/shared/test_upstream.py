"""The table of cross-week artefacts: real producers, arrows forward, clear errors, Make rules."""

from __future__ import annotations

import importlib
import re

import pytest

from shared import upstream
from shared.paths import REPO_ROOT

ENTRIES = list(upstream.ARTEFACTS.values())


def week_package(week: int) -> str:
    """The package folder of a week (20 -> week20_genai_multimodal)."""
    (folder,) = REPO_ROOT.glob(f"week{week:02d}_*/__main__.py")
    return folder.parent.name


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.key)
def test_each_producer_is_a_real_week_and_project(entry: upstream.Artefact) -> None:
    assert entry.producer == week_package(entry.week)
    assert entry.key.startswith(f"week{entry.week:02d}.")
    projects = importlib.import_module(f"{entry.producer}.__main__").PROJECTS
    assert entry.project is None or entry.project in projects
    assert entry.needed_by or entry.used_by, "an artefact nobody reads does not belong here"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.key)
def test_arrows_point_forward_unless_an_earlier_week_says_why(entry: upstream.Artefact) -> None:
    assert all(week > entry.week for week in entry.needed_by)
    earlier = [week for week in entry.used_by if week <= entry.week]
    assert bool(earlier) == bool(entry.ahead)
    assert entry.week not in entry.used_by


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.key)
def test_every_reader_asks_the_table(entry: upstream.Artefact) -> None:
    """Each week the table names as a reader mentions the key in its code."""
    for week in entry.needed_by + entry.used_by:
        sources = (REPO_ROOT / week_package(week)).rglob("*.py")
        assert any(f'"{entry.key}"' in p.read_text(encoding="utf-8") for p in sources), week


def test_no_week_spells_out_another_weeks_report_folder() -> None:
    spelled = re.compile(r'week_report_dir\((\d+)\)|REPORTS_DIR / "week(\d+)"')
    found = []
    for path in REPO_ROOT.glob("week[0-9][0-9]_*/**/*.py"):
        own = int(path.relative_to(REPO_ROOT).parts[0][4:6])
        for match in spelled.finditer(path.read_text(encoding="utf-8")):
            if int(match.group(1) or match.group(2)) != own:
                found.append(f"{path.relative_to(REPO_ROOT)}: {match.group(0)}")
    assert not found, f"ask shared.upstream for these paths: {found}"


def test_a_missing_artefact_names_the_command_that_makes_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(upstream, "REPORTS_DIR", tmp_path)
    monkeypatch.delenv("WEEK23_TEXT_TO_IMAGE", raising=False)
    folder = tmp_path / "week20" / "models" / "text_to_image"
    assert upstream.path("week20.text_to_image") == folder
    assert not upstream.exists("week20.text_to_image")
    with pytest.raises(FileNotFoundError) as refused:
        upstream.require("week20.text_to_image")
    message = str(refused.value)
    assert isinstance(refused.value, upstream.MissingArtefact)
    assert "week 20's trained diffusion model (week20.text_to_image)" in message
    assert str(folder) in message and "pipeline.json missing" in message
    assert "`python -m week20_genai_multimodal --project text_to_image`" in message
    assert "`make week20`" in message and "WEEK23_TEXT_TO_IMAGE" in message
    folder.mkdir(parents=True)  # a folder without its marker is not the artefact yet
    assert not upstream.exists("week20.text_to_image")
    (folder / "pipeline.json").write_text("{}")
    assert upstream.require("week20.text_to_image") == folder


def test_a_whole_week_artefact_names_the_week_command(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(upstream, "REPORTS_DIR", tmp_path)
    with pytest.raises(upstream.MissingArtefact, match=r"`python -m week07_pipelines` \("):
        upstream.require("week07.models")


def test_the_variable_points_readers_at_another_copy(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WEEK22_TRANSFORMER", str(tmp_path))
    assert upstream.path("week15.minilm_tweets") == tmp_path
    with pytest.raises(upstream.MissingArtefact, match=r"config\.json missing"):
        upstream.require("week15.minilm_tweets")
    monkeypatch.setenv("WEEK22_TRANSFORMER", "  ")
    assert upstream.path("week15.minilm_tweets").parts[-3:] == ("week15", "models", "minilm_tweets")
    copy = tmp_path / "copy"
    with pytest.raises(upstream.MissingArtefact, match=re.escape(str(copy))):
        upstream.require("week15.minilm_tweets", copy)


def test_an_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"week20\.text_to_image"):
        upstream.path("week20.text2image")


def test_the_committed_make_rules_are_the_tables(capsys) -> None:
    assert upstream.main(["make-rules"]) == 0
    printed = capsys.readouterr().out
    assert upstream.MAKE_RULES.read_text(encoding="utf-8") == printed, (
        "run `python -m shared.upstream make-rules > make/upstream.mk`"
    )
    assert "include make/upstream.mk" in (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    needed = [e for e in ENTRIES if e.needed_by]
    assert needed and all(e.repo_path in printed for e in needed)
    assert "week23: $(if $(FAST),,$(WEEK20_TEXT_TO_IMAGE))" in printed
    assert "\t$(PY) -m week20_genai_multimodal --project text_to_image\n" in printed
    assert "reports/week20/models/text_to_image/pipeline.json" in printed
    assert not [e.key for e in ENTRIES if not e.needed_by and e.repo_path in printed]


def test_make_rules_is_the_only_command(capsys) -> None:
    assert upstream.main([]) == 2
    assert "make-rules" in capsys.readouterr().err
