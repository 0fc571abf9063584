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
# # Week 13 — Computer vision: the face-mask detector
#
# The `face_mask` project at its FAST size. No registry holds labelled photos of masked faces,
# so the data set is **built**: faces from a pretrained DCGAN, each shown bare and with a mask
# painted on (three shapes, eleven colours, random placement and tilt). Week 11's ImageNet
# MobileNetV2 is fine-tuned on them with the shared `Trainer`, scored on held-out faces from
# noise the builder never drew, and compared with a pretrained Keras mask classifier (read from
# HDF5 into PyTorch, no TensorFlow). Last, one frame goes through the whole pipeline: SSD face
# detection, then mask classification of each face.
#
# Everything here is the week's own code; the run writes only into a temporary folder.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from shared.context import RunContext
from shared.registry import fetch
from shared.seeding import seed_everything
from week13_cv_advanced.dcgan import load_generator
from week13_cv_advanced.detectors import ssd_face_detector
from week13_cv_advanced.face_scenes import paste, random_frame, read_backgrounds
from week13_cv_advanced.keras_port import CLASSES
from week13_cv_advanced.mask_models import FineTunedMaskClassifier, KerasMaskClassifier
from week13_cv_advanced.mask_set import face_set
from week13_cv_advanced.projects.face_mask import BARS, FAST, compare_with_keras, fine_tune
from week13_cv_advanced.video import MaskPipeline

# %matplotlib inline

# %% [markdown]
# ## 1. Build the labelled faces
# Train, validation and test faces come from different seeds, so no test face was ever drawn
# for training. Labels: 0 = mask, 1 = no mask (`CLASSES`).

# %%
seed_everything(0)
ctx = RunContext(week=13, project="face_mask", out=Path(tempfile.mkdtemp()), fast=True)
generator = load_generator(fetch("dcgan_face_generator"))
n_train, n_val, n_test = FAST.people
train = face_set(generator, n_train, 100)
val = face_set(generator, n_val, 200)
x_test, y_test = face_set(generator, n_test, 300)
print(FAST, CLASSES)
print(f"{len(train[1])} training, {len(val[1])} validation, {len(y_test)} test images")
fig, axes = plt.subplots(1, 8, figsize=(12, 2))
for ax, image, y in zip(axes, train[0][::4], train[1][::4], strict=True):
    ax.imshow(image)
    ax.set_title(CLASSES[y], fontsize=8)
    ax.set_axis_off()

# %% [markdown]
# ## 2. Fine-tune MobileNetV2
# Week 11's ImageNet weights, a new 2-class head, AdamW with a one-cycle schedule; the
# validation faces are scored after each epoch.

# %%
model, history = fine_tune(ctx, train, val, "cpu", FAST.epochs)
pd.DataFrame(history)

# %% [markdown]
# ## 3. Held-out accuracy, ours against the pretrained Keras model
# The Keras model was trained on real masked photos, never on painted ones; painted masks are
# easier than real ones, so this measures the pipeline, not real-world accuracy.

# %%
ours = FineTunedMaskClassifier(model)
keras = KerasMaskClassifier(fetch("keras_mask_classifier"))
metrics, ours_pred, keras_pred = compare_with_keras(ours, keras, x_test, y_test)
print(metrics)
fig, axes = plt.subplots(2, 8, figsize=(12, 4))
for ax, i in zip(axes.ravel(), range(16), strict=True):
    ax.imshow(x_test[i])
    ax.set_title(f"ours {CLASSES[ours_pred[i]]}\nkeras {CLASSES[keras_pred[i]]}", fontsize=7)
    ax.set_axis_off()

# %% [markdown]
# ## 4. The declared bar
# At least 0.95 on held-out faces (issue #10; published mask classifiers on real photos report
# 0.95–0.99). It is set for the full run (300 people, 2 epochs); FAST trains on 16 people for
# one epoch, so it may fall short here.

# %%
pd.DataFrame([bar.check(metrics) for bar in BARS])

# %% [markdown]
# ## 5. The whole pipeline on one frame
# Two held-out faces (one masked, one bare) pasted onto a real photo; the res10 SSD finds the
# faces, a classifier labels each crop, and `annotate` draws boxes (green = mask). The FAST
# fine-tune above saw 16 people for one epoch, so the pipeline here uses the pretrained Keras
# classifier (a full run uses the fine-tuned one). Watch the detector: a mask hides the nose and
# mouth it looks for, so a masked face can go unfound, and then no classifier can label it.

# %%
rng = np.random.default_rng(0)
frame = random_frame(read_backgrounds(fetch)[1], rng)
paste(frame, x_test[0], np.array([100, 120, 220, 240]))
paste(frame, x_test[1], np.array([380, 200, 500, 320]))
pipeline = MaskPipeline(ssd_face_detector(fetch), keras)
faces = pipeline.process(frame)
print([(face.label, round(face.probability, 2)) for face in faces])
fig, ax = plt.subplots(figsize=(8, 6))
ax.imshow(pipeline.annotate(frame, faces)[:, :, ::-1])
ax.set_axis_off()
