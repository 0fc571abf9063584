# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Week 14 — NLP fundamentals: the SpamAssassin spam filter
#
# The `spam_classifier` project at its FAST size (60 emails per corpus folder, 3 folds). Raw
# emails are parsed (Subject + body, HTML turned into text), copies are collapsed **before** any
# split (exact, normalised and MinHash near-duplicates) so no campaign sits on both sides, and
# three classifiers (naive Bayes, logistic regression, linear SVM) read the same TF-IDF. The
# model kept is the one with the best cross-validated spam F1 on the *training* emails. Two
# evaluations: a random 20% hold-out, and train on the corpus's first release, test on its
# second (other senders, other months).

# %%
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from shared.context import RunContext
from shared.evaluation import plot_confusion_matrix
from shared.plotting import label, subplots
from shared.registry import fetch
from week14_nlp.emails import RELEASES, load_spam_assassin
from week14_nlp.projects.spam_classifier import (
    BARS,
    CLASSES,
    FAST,
    TRAIN_RELEASE,
    deduplicate,
    evaluate,
    random_split,
    release_split,
    term_weights,
)

# %matplotlib inline

# %% [markdown]
# ## 1. Read and de-duplicate the emails

# %%
corpus = load_spam_assassin(fetch("spam_assassin"), limit_per_folder=FAST.per_folder)
data = deduplicate(corpus)
print(f"{len(corpus.texts)} emails, {len(data.texts)} distinct; removed: {data.removed}")
print(pd.Series(data.folders).value_counts().to_dict())
print(data.texts[0][:300])

# %% [markdown]
# ## 2. Random split: choose by cross-validation, score on the held-out 20%
# Each row: a candidate's cross-validated F1 on the training emails, its F1 on the test emails,
# and the share of easy and hard ham it flags as spam. Only the CV column chooses.

# %%
ctx = RunContext(week=14, project="spam_classifier", out=Path(tempfile.mkdtemp()), fast=True)
train, test = random_split(data, seed=0)
random_eval = evaluate(ctx, data, train, test, "random", FAST.folds)
columns = ["evaluation", "model", "CV spam F1", "test spam F1", "easy-ham FP", "hard-ham FP"]
print("chosen:", random_eval.chosen)
pd.DataFrame(random_eval.rows, columns=columns)

# %% [markdown]
# ## 3. What the chosen model gets right and wrong, and the words it weighs
# Hard ham (newsletters, promotions) is where false positives come from: its words are the
# spammers' words.

# %%
fig, axes = subplots(1, 2, width=5.5, height=5)
plot_confusion_matrix(axes[0], data.labels[test], random_eval.pred, CLASSES)
label(axes[0], f"{random_eval.chosen} on the test emails")
terms, weights = term_weights(random_eval.model)
order = np.argsort(weights)
shown = np.concatenate([order[:10], order[-10:]])
axes[1].barh(terms[shown], weights[shown], color=["C0"] * 10 + ["C3"] * 10)
ax = label(axes[1], "Terms towards ham (blue) and spam (red)", xlabel="weight")

# %% [markdown]
# ## 4. Across releases: trained on one, tested on the other
# The harder, more honest test: the filter meets senders and months it never saw.

# %%
other = next(r for r in RELEASES if r != TRAIN_RELEASE)
train_r, test_r = release_split(data, TRAIN_RELEASE)
release_eval = evaluate(ctx, data, train_r, test_r, f"{TRAIN_RELEASE} -> {other}", FAST.folds)
pd.DataFrame(release_eval.rows, columns=columns)

# %% [markdown]
# ## 5. Against the declared bars
# Spam F1 ≥ 0.95 on the random split (issue 11; Géron's Hands-On ML reaches about 0.97) and
# ≥ 0.85 across releases. They are set for the full corpus; FAST reads 60 emails a folder.

# %%
metrics = random_eval.metrics | {f"release_{k}": v for k, v in release_eval.metrics.items()}
pd.DataFrame([bar.check(metrics) for bar in BARS])
