"""Week 15: the --fast run of the embeddings, summarization and translation projects."""

from __future__ import annotations

MINE = ("embeddings", "summarization", "translation")


def test_fast_run_writes_the_report_with_sane_metrics(fast_run, tmp_path):
    extra = [arg for name in MINE for arg in ("--project", name)]
    metrics = fast_run("week15_transformers", *extra)
    projects = metrics["projects"]
    assert set(projects) == set(MINE)
    assert all(p.get("error") is None for p in projects.values())
    embeddings = projects["embeddings"]["metrics"]
    # GloVe is loaded whole even in a fast run: its score is the published one
    assert abs(embeddings["glove_ws353_spearman"] - 0.50) < 0.02
    assert embeddings["glove_ws353_pairs"] == 353
    summaries = projects["summarization"]["metrics"]
    for method in ("centroid", "mmr", "textrank", "title", "abstract_title", "lead", "random"):
        assert 0 < summaries[f"{method}_rougeL"] < 100
    translation = projects["translation"]["metrics"]
    assert 0 <= translation["greedy_exact_match"] <= 1
    assert translation["final_train_loss"] > 0
    assert (tmp_path / "figures" / "embeddings_pca.png").is_file()
    assert (tmp_path / "figures" / "summarization_positions.png").is_file()
