"""Week 23's fast run end to end (real SmolLM2, a real uvicorn process, AppTest), the CLI."""

from __future__ import annotations

import subprocess
import sys

from shared.paths import REPO_ROOT


def test_fast_run_serves_restarts_draws_and_writes_a_storybook(fast_run) -> None:
    projects = fast_run("week23_genai_capstone")["projects"]
    chat = projects["chatbot"]["metrics"]
    assert chat["history_intact_after_restart"] == 1.0
    assert chat["stream_matches_whole"] == 1.0
    assert chat["chat_page_answered"] == 1.0
    assert chat["answers_carry_evidence"] == 1.0 and chat["out_of_scope_refused"] == 1.0
    gallery = projects["gallery"]["metrics"]
    assert gallery["artworks"] == 2 and gallery["regenerated_identical"] == 1.0
    assert gallery["regenerated_max_abs_diff"] == 0 and gallery["word_search_recall"] == 1.0
    assert gallery["gallery_page_found"] == 1.0
    story = projects["storybook"]["metrics"]
    assert story["images_loaded"] == 1.0 and story["download_offered"] == 1.0


def test_the_front_door_stays_light_and_serve_checks_its_key() -> None:
    light = "import sys, week23_genai_capstone.__main__; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", light], cwd=REPO_ROOT).returncode == 0
    env = {"PATH": "/usr/bin:/bin", "ML_ROADMAP_API_KEY": ""}
    command = [sys.executable, "-m", "week23_genai_capstone", "serve", "chat"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "ML_ROADMAP_API_KEY" in done.stderr
