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
# # Week 10 — Convolutional networks: an image classifier
#
# A small CNN (conv–batch-norm–ReLU–pool blocks, then dropout and a 256-unit hidden layer)
# trained by the shared loop with AdamW and a one-cycle schedule. This notebook walks through
# the `image_classifier` project at FAST size (3,000 training images, one epoch) on
# Fashion-MNIST: 70,000 real 28×28 photos of ten kinds of clothing. (The project trains on
# CIFAR-10 when its upstream address can be reached; CIFAR-10 is in no package registry, so on
# an offline machine Fashion-MNIST is its named stand-in, and the notebook uses it directly.)
#
# Every step calls the week's own modules (`week10_cnn`, `shared`); nothing is copied here.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from shared.bars import check_bars
from shared.context import RunContext
from shared.evaluation import accuracy, most_confused, plot_confusion_matrix
from shared.plotting import subplots
from shared.registry import fetch
from shared.training import plot_history
from shared.vision import load_fashion_mnist, plot_filters, plot_image_grid
from week10_cnn.projects.image_classifier import BARS, FAST, setup

# %matplotlib inline

torch.manual_seed(0)

# %% [markdown]
# ## 1. The data
# Four registry entries (the train and test images and labels, sha256-checked), read from their
# IDX files.

# %%
data = load_fashion_mnist(fetch)
print(f"{len(data.x_train):,} training and {len(data.x_test):,} test images of", data.classes)
fig = plot_image_grid(list(data.x_train[:16]), [data.classes[c] for c in data.y_train[:16]])

# %% [markdown]
# ## 2. The recipe, the model and the trainer
# `setup` builds what the Fashion-MNIST recipe asks for: the datasets (a validation split held
# out of the training images), the loaders, the CNN, and a one-cycle `Trainer` whose checkpoints
# go to a throw-away folder (never `reports/`).

# %%
ctx = RunContext(
    week=10, project="image_classifier", out=Path(tempfile.mkdtemp()), fast=True, device="cpu"
)
trainer, train, val, test = setup(ctx, data, "fashion_mnist")
print(trainer.model)
print(f"{sum(p.numel() for p in trainer.model.parameters()):,} parameters;", end=" ")
print(f"{len(train.dataset):,} training images in batches of {train.batch_size}")

# %% [markdown]
# ## 3. Train
# One epoch at FAST size. Look at the history: loss and validation accuracy per epoch.

# %%
trainer.fit(train, val, epochs=FAST.epochs)
fig = plot_history(trainer.history, "CNN on Fashion-MNIST")

# %% [markdown]
# ## 4. The test set
# Shirts, T-shirts, pullovers and coats are the classes a CNN confuses most: look at those rows
# of the confusion matrix, and at the misclassified photos.

# %%
logits, targets = trainer.predict(test)
pred, true = logits.argmax(1).numpy(), targets.numpy()
test_accuracy = accuracy(true, pred)
print(f"test accuracy {test_accuracy:.4f}; most frequent mistake:", end=" ")
print(most_confused(true, pred, data.classes))
fig, ax = subplots(width=7, height=6)
plot_confusion_matrix(ax, true, pred, list(data.classes))
plt.show()

# %%
wrong = np.flatnonzero(pred != true)[:16]
labels = [f"{data.classes[true[i]]}\n→ {data.classes[pred[i]]}" for i in wrong]
fig = plot_image_grid([data.x_test[i] for i in wrong], labels)

# %% [markdown]
# ## 5. What the first layer learned
# The first convolution's 3×3 filters: small oriented edge and contrast detectors, even after a
# single epoch.

# %%
fig = plot_filters(trainer.model.features[0][0].weight)

# %% [markdown]
# ## 6. The quality bar
# Zalando's Fashion-MNIST benchmark: small CNNs reach 91–93% test accuracy. One epoch on 3,000
# images is not expected to pass it; `make week10` trains the full recipe.

# %%
metrics = {"test_accuracy_fashion_mnist": test_accuracy}
checked, skipped = check_bars(BARS, metrics, ["fashion_mnist_test_images"])
for row in checked:
    verdict = "PASS" if row["passed"] else "FAIL"
    print(f"{verdict} {row['metric']} {row['op']} {row['target']}: {row['value']:.4f}")
for row in skipped:
    print(f"n/a  {row['metric']}: {row['reason']}")
