"""Week 19: the --fast run end to end, and the chat command's option checks."""

from __future__ import annotations

import math

from week19_genai.chat import main as chat_main


def test_fast_run_writes_the_report_and_beats_trivial_baselines(fast_run, tmp_path):
    metrics = fast_run("week19_genai")
    projects = metrics["projects"]
    assert set(projects) == {
        "tokenization",
        "gpt_from_scratch",
        "decoding",
        "lora_sonnets",
        "haiku",
        "pipelines",
    }
    assert all(p.get("error") is None for p in projects.values())
    tokens = projects["tokenization"]["metrics"]
    assert tokens["round_trip_failures"] == 0 and tokens["own_files_hf_mismatches"] == 0
    assert tokens["gpt2_mismatched_sentences"] == 0 and tokens["chars_per_token"] > 1.2
    assert (tmp_path / "models" / "shakespeare_bpe" / "vocab.bpe").is_file()
    gpt = projects["gpt_from_scratch"]["metrics"]
    assert gpt["gpt_ppl"] < 256 / 4  # far better than guessing uniformly among 256 bytes
    assert math.isfinite(gpt["bigram_ppl"]) and gpt["bigram_ppl"] < 256
    assert "## A GPT trained from scratch" in (tmp_path / "report.md").read_text()
    assert projects["haiku"]["metrics"]["dictionary_words"] > 100_000
    assert "skipped in the fast run" in projects["decoding"]["info"]["smollm2"]
    assert "skipped in the fast run" in projects["pipelines"]["info"]["smollm2"]


def test_chat_refuses_bad_options_before_loading_the_model(capsys):
    assert chat_main(["--system", "  "]) == 2
    assert chat_main(["--temperature", "-1"]) == 2
    assert chat_main(["--max-new-tokens", "5000", "--max-context", "2048"]) == 2
    assert "error" in capsys.readouterr().err
