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
# # Week 11 — Transfer learning: pretrained MobileNetV2 on a low-data task
#
# A network trained on ImageNet already knows edges, textures and object parts. This notebook
# first lets torchvision's pretrained MobileNetV2 (weights from the registry, loaded with
# `weights_only=True`) name sample ImageNet photos with no training at all (the `zero_shot`
# project), then runs the `transfer` project at FAST size: a low-data task (10 training images
# per class) learned three ways — a linear head on frozen ImageNet features, full fine-tuning,
# and the same network from random weights — to measure what pretraining is worth.
#
# Every step calls the week's own modules (`week11_transfer_learning`, `shared`); nothing is
# copied here.

# %%
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from IPython.display import Image, display

from shared.bars import check_bars
from shared.context import RunContext
from shared.registry import fetch
from shared.vision import plot_image_grid
from week11_transfer_learning.pretrained import (
    imagenet_categories,
    imagenet_transform,
    load_mobilenet_v2,
    read_sample_photos,
)
from week11_transfer_learning.projects import transfer

# %matplotlib inline

torch.manual_seed(0)

# %% [markdown]
# ## 1. The pretrained model
# `load_mobilenet_v2` builds torchvision's MobileNetV2 and loads the `mobilenet_v2_imagenet`
# registry entry (torchvision's own IMAGENET1K_V1 file, sha256-checked). The 1,000 class names
# ship with torchvision: nothing is downloaded.

# %%
model = load_mobilenet_v2(fetch("mobilenet_v2_imagenet")).eval()
categories = imagenet_categories()
print(f"{sum(p.numel() for p in model.parameters()):,} parameters, {len(categories)} classes")

# %% [markdown]
# ## 2. Zero-shot: naming photos it has never seen
# Twenty labelled ImageNet validation photos ship in the `foolbox` wheel (registry entry
# `foolbox_samples`). `imagenet_transform` is the evaluation preprocessing ImageNet models
# expect (resize, centre crop, normalise). Look at the misses: each is a near neighbour of the
# true class, and the true class is usually in the top five.

# %%
photos = read_sample_photos(fetch("foolbox_samples"))[:10]
transform = imagenet_transform()
with torch.inference_mode():
    probs = model(torch.stack([transform(p.image) for p in photos])).softmax(1)
top5 = probs.topk(5, dim=1)
table = pd.DataFrame(
    {
        "true": [categories[p.label] for p in photos],
        "top-1": [categories[i] for i in top5.indices[:, 0]],
        "probability": top5.values[:, 0].numpy().round(2),
        "in top 5": [p.label in top5.indices[k].tolist() for k, p in enumerate(photos)],
    }
)
fig = plot_image_grid(
    [np.asarray(p.image.resize((160, 160))) for p in photos],
    [f"{row['top-1']}\n(true: {row['true']})" for _, row in table.iterrows()],
    ncols=5,
    size=2.4,
)
display(table)

# %% [markdown]
# ## 3. Transfer to a low-data task
# The `transfer` project's FAST run, into a throw-away folder (never `reports/`). Its task is the
# TensorFlow flower photos when their upstream address can be reached; offline it is the named
# stand-in, Fashion-MNIST photos upscaled to 64 px RGB. Ten training, five validation and twenty
# test images per class; the frozen-feature head trains for 3 epochs, the two full networks for
# one. Look at the gap between the pretrained network and the one from random weights.

# %%
ctx = RunContext(week=11, project="transfer", out=Path(tempfile.mkdtemp()), fast=True, device="cpu")
metrics = transfer.run(ctx)
for name, caption in ctx.figures:
    display(Image(ctx.figures_dir / Path(name).name))
    print(caption)
pd.Series(metrics).round(3)

# %% [markdown]
# ## 4. The quality bar
# Kornblith et al. (2019): with little data, ImageNet initialisation beats random initialisation
# by a wide margin; the bar is at least 10 accuracy points. One epoch at FAST size may fall
# short: `make week11` runs 50 images per class and 15 epochs.

# %%
checked, _ = check_bars(transfer.BARS, metrics, [d["name"] for d in ctx.datasets])
for row in checked:
    verdict = "PASS" if row["passed"] else "FAIL"
    print(f"{verdict} {row['metric']} {row['op']} {row['target']}: {row['value']:.3f}")
