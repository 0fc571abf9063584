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
# # Week 07 — ML pipelines: mortgage approval as one saved pipeline
#
# Will a Boston mortgage application be approved? On 1,989 applications of the 1990 HMDA
# follow-up survey (Wooldridge's `loanapp`), this notebook walks through the `loan_pipeline`
# project at FAST size (a 40% stratified sample, a one-point grid): one scikit-learn `Pipeline`
# holds imputation, scaling, logs of money amounts, one-hot encoding, L1 feature selection and
# the classifier; a grid search tunes it under stratified CV (ROC-AUC, since 88% are approved);
# it is saved with a checksum sidecar, reloaded, and used to predict rows checked against the
# input schema. Race and sex are left out of the inputs.
#
# Every step calls the week's own modules (`week07_pipelines`, `shared`); nothing is copied.

# %%
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from shared.bars import check_bars
from shared.context import RunContext
from shared.registry import fetch
from week07_pipelines.loan import (
    LOAN_INPUT_COLUMNS,
    LOAN_SCHEMA,
    MODEL_FILENAME,
    TARGET,
    build_pipeline,
    read_loanapp,
)
from week07_pipelines.predict import InputError, predict_csv, predict_frame
from week07_pipelines.projects.loan_pipeline import BARS, FAST, param_grid
from week07_pipelines.workflow import (
    describe_params,
    plot_search,
    save_and_reload,
    selected_features,
    tune_and_evaluate,
)

# %matplotlib inline

# %% [markdown]
# ## 1. The data
# The `loanapp` registry entry (sha256-checked), read and checked by `read_loanapp`, then a
# stratified FAST sample (the same share of approved and denied applications).

# %%
loans = read_loanapp(fetch("loanapp"))
df = loans.groupby(TARGET, group_keys=False).sample(frac=FAST.sample_frac, random_state=0)
X, y = df[list(LOAN_INPUT_COLUMNS)], df[TARGET]
print(f"{len(X)} of {len(loans)} applications, {X.shape[1]} inputs, {y.mean():.0%} approved")
X.describe().T.round(2)

# %% [markdown]
# ## 2. One pipeline, tuned as a whole
# `build_pipeline` returns the whole chain; `tune_and_evaluate` holds out 20%, grid-searches the
# pipeline on the rest (every candidate refitted inside every fold, so nothing leaks), scores the
# hold-out, and refits the winner on all rows. The majority baseline is the accuracy of
# approving everyone: accuracy alone would flatter such a model.

# %%
pipeline = build_pipeline(0)
display(pipeline)
tuned = tune_and_evaluate(
    pipeline, param_grid(0, FAST), X, y, seed=0, folds=FAST.folds, scoring="roc_auc"
)
print("best:", describe_params(tuned.search.best_params_))
pd.Series(tuned.metrics).round(3)

# %% [markdown]
# ## 3. What the L1 selector kept
# The `select` step keeps the features an L1-penalized logistic regression gives a non-zero
# weight: credit history, debt ratios and the loan-to-price ratio carry the decision.

# %%
selected_features(tuned.final)

# %% [markdown]
# ## 4. The search, as the report draws it
# The CV ROC-AUC of the best candidates with their fold-to-fold spread (a single candidate at
# FAST size; the full grid compares logistic regressions and random forests). Drawn into a
# throw-away run folder, never `reports/`.

# %%
ctx = RunContext(week=7, project="loan_pipeline", out=Path(tempfile.mkdtemp()), fast=True)
plot_search(ctx, tuned.search, "Loan approval", "ROC-AUC")
for name, caption in ctx.figures:
    display(Image(ctx.figures_dir / Path(name).name))
    print(caption)

# %% [markdown]
# ## 5. Save, reload, predict
# `save_and_reload` writes the pipeline with a sidecar (sha256, library versions, input schema,
# metrics), loads it back and returns the largest difference between the two models'
# probabilities: it must be exactly 0. `predict_frame` adds the prediction and probability.

# %%
model_path = Path(tempfile.mkdtemp()) / MODEL_FILENAME
diff = save_and_reload(
    tuned.final, model_path, X, metrics=tuned.metrics, feature_schema=LOAN_SCHEMA, extra={}
)
print(f"reloaded predictions differ by {diff}")
predict_frame(tuned.final, X.head(5))[["loanamt", "appinc", "prediction", "probability"]]

# %% [markdown]
# ## 6. Bad input is refused, row by row
# `predict_csv` checks every row against the schema before predicting; a negative loan amount
# or an unknown column value is named with its row, and nothing is predicted.

# %%
rows = X.head(3).copy()
rows.iloc[1, rows.columns.get_loc("loanamt")] = -5
source = model_path.with_name("rows.csv")
rows.to_csv(source, index=False)
try:
    predict_csv(tuned.final, LOAN_SCHEMA, source, model_path.with_name("predicted.csv"))
except InputError as error:
    print(error)

# %% [markdown]
# ## 7. The quality bars
# CV ROC-AUC of at least 0.75 (Hosmer & Lemeshow: 0.7–0.8 is acceptable discrimination) and a
# reloaded pipeline that predicts identically.

# %%
metrics = {**tuned.metrics, "reload_max_abs_diff": diff}
checked, _ = check_bars(BARS, metrics, ["loanapp"])
for row in checked:
    verdict = "PASS" if row["passed"] else "FAIL"
    print(f"{verdict} {row['metric']} {row['op']} {row['target']}: {row['value']:.3f}")
