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
# # Week 24 — Deployment: model formats, reloaded and checked
#
# The `model_formats` project at its FAST size. Weeks 10, 13 and 17's networks (a CNN, the
# face-mask MobileNetV2, an LSTM; trained here at FAST size, so no earlier run is needed) are
# saved three ways — a PyTorch state dict, safetensors, and ONNX — each with a sidecar holding
# its sha256. Every file is loaded back and run on real inputs: the state dict and safetensors
# must reproduce PyTorch's outputs exactly, ONNX Runtime within 1e-4. A file with one byte
# flipped must be refused before it is read. Everything is written into a temporary folder.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

from shared.context import RunContext
from week24_deploy.formats import (
    FORMATS,
    FormatError,
    OnnxModel,
    load_safetensors,
    load_state_dict,
    max_abs_diff,
    torch_outputs,
    verified,
)
from week24_deploy.projects.model_formats import (
    BARS,
    check_joblib,
    check_subject,
    save_all,
    tamper,
    tampered_accepted,
)
from week24_deploy.subjects import SUBJECTS

# %matplotlib inline

# %% [markdown]
# ## 1. One network, three formats
# Week 10's CNN on Fashion-MNIST, trained at FAST size, then saved each way.

# %%
ctx = RunContext(week=24, project="model_formats", out=Path(tempfile.mkdtemp()), fast=True)
subject = SUBJECTS["week10_cnn"](ctx)
paths = save_all(subject, Path(tempfile.mkdtemp()))
print(subject.title, "|", subject.input_spec, "|", len(subject.inputs), "real inputs")
pd.Series({fmt: f"{path.name}: {path.stat().st_size / 1e6:.3f} MB" for fmt, path in paths.items()})

# %% [markdown]
# ## 2. Reload and compare on real inputs
# PyTorch's outputs are the reference. The reloaded weights must give exactly the same numbers;
# ONNX Runtime runs other float32 kernels that add in another order, so a few ulps differ.

# %%
reference = torch_outputs(subject.model, subject.inputs)
diffs = {
    "state_dict": max_abs_diff(
        reference,
        torch_outputs(load_state_dict(subject.build(), paths["state_dict"]), subject.inputs),
    ),
    "safetensors": max_abs_diff(
        reference,
        torch_outputs(load_safetensors(subject.build(), paths["safetensors"]), subject.inputs),
    ),
    "onnx": max_abs_diff(reference, OnnxModel(paths["onnx"]).predict(subject.inputs)),
}
print("max |output - PyTorch's|:", diffs)
print("scores, PyTorch:", subject.score(reference))

# %% [markdown]
# ## 3. A flipped byte is refused
# `verified` checks a file's sha256 against its sidecar before anything reads it.

# %%
for fmt in FORMATS:
    copy = tamper(paths[fmt], Path(tempfile.mkdtemp()))
    try:
        verified(copy)
        print(fmt, "ACCEPTED a tampered file")
    except FormatError as error:
        print(fmt, "refused:", str(error)[:120])

# %% [markdown]
# ## 4. Every model, as the project checks them
# Week 7's Titanic pipeline through joblib and its sidecar, then the three networks; each gets a
# model card (the CNN from above is reused). Then a byte is flipped in every saved file, and the loaders must refuse them all.

# %%
metrics = check_joblib(ctx)
for name, make in SUBJECTS.items():
    metrics |= check_subject(ctx, subject if name == "week10_cnn" else make(ctx))
metrics["tampered_files_accepted"] = float(tampered_accepted(ctx))
names = ("week10_cnn", "week13_mask_classifier", "week17_lstm")
sizes = pd.DataFrame({n: {f: metrics[f"{n}_{f}_mb"] for f in FORMATS} for n in names}).T
ax = sizes.plot.barh(figsize=(7, 3), title="File size by format (MB)")
plt.show()
Markdown((ctx.models_dir / "week17_lstm.md").read_text())

# %% [markdown]
# ## 5. Against the declared bars
# ONNX Runtime within 1e-4 of PyTorch (issue 16), reloads exact, no tampered file accepted.

# %%
pd.DataFrame([bar.check(metrics) for bar in BARS])[["metric", "op", "target", "value", "passed"]]
