"""Week 14: the --fast run end to end: every project runs, and beats a trivial baseline."""

from __future__ import annotations


def test_fast_run_writes_the_report_and_beats_trivial_baselines(fast_run, tmp_path):
    metrics = fast_run("week14_nlp")
    projects = metrics["projects"]
    assert set(projects) == {"preprocessing", "bow_tfidf", "spam_classifier", "tweet_sentiment"}
    assert all(p.get("error") is None for p in projects.values())
    bow = projects["bow_tfidf"]["metrics"]
    assert bow["vocabulary_mismatches"] == 0 and bow["tfidf_max_abs_diff"] <= 1e-12
    pre = projects["preprocessing"]["metrics"]
    assert pre["vocab_porter"] < pre["vocab_words"] and pre["vocab_lemmas"] < pre["vocab_words"]
    assert (tmp_path / "models" / "spam_classifier.joblib.json").is_file()
    spam = projects["spam_classifier"]["metrics"]
    assert spam["spam_f1"] > 0.8 and spam["easy_ham_false_positive_rate"] < 0.1
    sentiment = projects["tweet_sentiment"]["metrics"]
    # Always answering "negative" (44% of the tweets) scores macro-F1 2 * 0.44 / 1.44 / 3 = 0.2.
    assert sentiment["model_macro_f1"] > max(sentiment["vader_macro_f1"], 0.4)
    for model in ("vader", "tf_idf_lr_tweets"):
        for domain in ("tweets", "film_reviews"):
            assert 0 <= sentiment[f"{model}_{domain}_accuracy"] <= 1
    assert sentiment["tf_idf_lr_tweets_tweets_accuracy"] > 0.7  # at home on tweets
    assert spam["release_spam_f1"] > 0.6 and spam["near_duplicates"] > 0
