"""Week 15 fine-tuning: the Rotten Tomatoes data, batching, the schedule, save/load, a fast run."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from shared.registry import fetch
from week14_nlp.rotten_tomatoes import LABELS, load_rotten_tomatoes
from week15_transformers.text_classifier import (
    SIDECAR,
    DynamicPadding,
    LengthGroupedBatches,
    build_classifier,
    linear_schedule,
    load_classifier,
    predict_proba,
    save_classifier,
)


@pytest.fixture(scope="module")
def snippets():
    return load_rotten_tomatoes(fetch("rotten_tomatoes"), seed=0)


@pytest.fixture(scope="module")
def classifier():
    """MiniLM with a fresh two-class head (seeded), and its tokenizer."""
    torch.manual_seed(0)
    return build_classifier(fetch("all_minilm_l6_v2"), LABELS)


def test_rotten_tomatoes_drops_plots_and_duplicates_and_splits_cleanly(snippets):
    assert len(snippets.texts) == 12_752 == len(set(snippets.texts))
    assert set(np.unique(snippets.labels)) == {0, 1}
    assert len(set(snippets.train) & set(snippets.test)) == 0
    assert len(snippets.train) + len(snippets.test) == len(snippets.texts)
    assert abs(len(snippets.test) / len(snippets.texts) - 0.2) < 0.001
    train_share = snippets.labels[snippets.train].mean()
    assert abs(train_share - snippets.labels[snippets.test].mean()) < 0.01  # stratified
    again = load_rotten_tomatoes(fetch("rotten_tomatoes"), seed=0)
    assert np.array_equal(again.test, snippets.test)


def test_a_csv_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("label,review\nfresh,great\n")
    with pytest.raises(ValueError, match="missing columns"):
        load_rotten_tomatoes(path)


def test_length_grouped_batches_cover_every_item_once_with_little_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 80, size=1000).tolist()
    sampler = LengthGroupedBatches(lengths, 32, torch.Generator().manual_seed(0), pool_batches=5)
    batches = list(sampler)
    assert len(batches) == len(sampler)
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert all(len(b) <= 32 for b in batches)
    grouped = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    order = rng.permutation(1000)
    shuffled = sum(
        len(order[i : i + 32]) * max(lengths[j] for j in order[i : i + 32])
        for i in range(0, 1000, 32)
    )
    assert grouped < 0.8 * shuffled
    again = list(LengthGroupedBatches(lengths, 32, torch.Generator().manual_seed(0), 5))
    assert again == batches


def test_dynamic_padding_pads_to_the_longest_in_the_batch(classifier):
    _, tokenizer = classifier
    batch = DynamicPadding(tokenizer)([("a fine film", 1), ("dull, dull and overlong too", 0)])
    assert batch["input_ids"].shape == batch["attention_mask"].shape
    assert batch["attention_mask"][1].all() and not batch["attention_mask"][0].all()
    assert batch["labels"].tolist() == [1, 0]
    long = DynamicPadding(tokenizer, max_tokens=16)([("word " * 100, 1)])
    assert long["input_ids"].shape[1] == 16  # truncated, documented


def test_linear_schedule_warms_up_then_decays_to_zero():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = linear_schedule(optimizer, total_steps=10, warmup=0.2)
    rates = []
    for _ in range(10):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates[0] == pytest.approx(0.5) and rates[1] == pytest.approx(1.0)
    assert rates == sorted(rates[:2]) + sorted(rates[2:], reverse=True)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0)


def test_predict_proba_is_order_independent_and_rejects_bad_input(classifier):
    model, tokenizer = classifier
    texts = ["a triumph", "the worst film of the year, by a long way", "fine"]
    probs = predict_proba(model, tokenizer, texts, batch_size=2)
    assert probs.shape == (3, 2) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    one_by_one = np.vstack([predict_proba(model, tokenizer, [t]) for t in texts])
    assert np.allclose(probs, one_by_one, atol=1e-5)
    with pytest.raises(ValueError, match="non-empty"):
        predict_proba(model, tokenizer, ["good", "  "])
    with pytest.raises(TypeError, match="list of texts"):
        predict_proba(model, tokenizer, "good")


def test_saved_classifier_reloads_with_the_same_predictions(classifier, tmp_path):
    model, tokenizer = classifier
    folder = tmp_path / "models" / "clf"
    save_classifier(model, tokenizer, folder, {"labels": list(LABELS), "metrics": {"a": 1.0}})
    save_classifier(model, tokenizer, folder, {"labels": list(LABELS), "metrics": {"a": 2.0}})
    assert sorted(p.name for p in folder.parent.iterdir()) == ["clf"]  # no staging left over
    sidecar = json.loads((folder / SIDECAR).read_text())
    assert sidecar["metrics"] == {"a": 2.0} and "transformers" in sidecar["versions"]
    loaded, loaded_tokenizer = load_classifier(folder)
    assert loaded.config.id2label == {0: "rotten", 1: "fresh"}
    texts = ["a triumph", "a mess"]
    assert np.allclose(
        predict_proba(model, tokenizer, texts), predict_proba(loaded, loaded_tokenizer, texts)
    )
    with pytest.raises(FileNotFoundError, match="fine-tuned classifier"):
        load_classifier(tmp_path)


def test_fast_run_trains_reports_and_saves_the_model(fast_run, tmp_path):
    metrics = fast_run("week15_transformers", "--project", "finetune")
    project = metrics["projects"]["finetune"]
    assert project.get("error") is None
    values = project["metrics"]
    for key in ("rt_tfidf_lr", "rt_minilm", "tweets_tfidf_lr", "tweets_all_tfidf_lr"):
        assert 0 <= values[f"{key}_accuracy"] <= 1
    assert np.isfinite(values["rt_minilm_train_loss"])
    assert {b["metric"] for b in project["bars"]} == {"rt_accuracy_gain", "rt_finetune_minutes"}
    for domain in ("tweets", "film_reviews"):
        for model in ("vader", "tf_idf_lr_tweets", "tf_idf_lr_film_reviews", "minilm_tweets"):
            assert 0 <= values[f"{model}_{domain}_accuracy"] <= 1
    folder = tmp_path / "models" / "minilm_rotten_tomatoes"
    assert (folder / SIDECAR).is_file() and (folder / "config.json").is_file()
    sidecar = json.loads((folder / SIDECAR).read_text())
    assert sidecar["trained_on"] == "film reviews" and sidecar["seed"] == 0
    assert set(sidecar["domain_accuracy"]) == {"tweets", "film reviews"}
    assert (tmp_path / "figures" / "finetune_confusion_matrices.png").is_file()
