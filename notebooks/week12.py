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
# # Week 12 — Computer vision with OpenCV: counting coins
#
# Classical image processing on real photos from the registry (scikit-image's sample photos,
# read out of its wheel, sha256-checked). This notebook starts with what an OpenCV image is (a
# BGR uint8 array, and the trap that makes a cat blue), applies the week's filters and edge
# detectors, and then walks through the `coin_count` project: count the 24 coins of
# scikit-image's `coins` photo with a threshold and contours. One global threshold fails on the
# uneven lighting; flattening the background with a morphological top-hat first fixes it.
#
# Every step calls the week's own modules (`week12_opencv`, `shared`); nothing is copied here.

# %%
import cv2
import matplotlib.pyplot as plt
import pandas as pd

from shared.bars import check_bars
from shared.plotting import subplots
from shared.registry import fetch
from week12_opencv import filters
from week12_opencv.coins import (
    find_coins,
    flatten_background,
    objects,
    otsu_mask,
    outline,
    oversized,
)
from week12_opencv.images import bgr_to_rgb, read_image
from week12_opencv.projects.coin_count import BARS, TRUE_COINS, adaptive_mask

# %matplotlib inline

# %% [markdown]
# ## 1. An image is an array, in BGR order
# `read_image` decodes a file with OpenCV (and says clearly when it cannot). OpenCV orders the
# channels blue, green, red; matplotlib expects red, green, blue. Look at the orange cat shown
# without `bgr_to_rgb`.

# %%
cat = read_image(fetch("skimage_chelsea"))
print(type(cat).__name__, cat.shape, cat.dtype)
fig, (left, right) = subplots(1, 2, width=4.5, height=3.2)
left.imshow(cat)
left.set_title("BGR array shown as RGB: a blue cat")
right.imshow(bgr_to_rgb(cat))
right.set_title("bgr_to_rgb first")
for ax in (left, right):
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 2. Filters and edges
# Smoothing (Gaussian, median, edge-preserving bilateral), sharpening, Otsu's threshold, and
# three edge detectors (Sobel gradient magnitude, Laplacian, Canny) from `filters.py`. Look at
# how Canny gives thin, connected edges where Sobel gives thick responses.

# %%
grey = cv2.cvtColor(cat, cv2.COLOR_BGR2GRAY)
shown = {
    "Gaussian blur": bgr_to_rgb(filters.gaussian_blur(cat)),
    "bilateral": bgr_to_rgb(filters.bilateral(cat)),
    "sharpened": bgr_to_rgb(filters.sharpen(cat)),
    "Otsu threshold": filters.threshold_otsu(grey),
    "Sobel magnitude": filters.to_uint8(filters.sobel_magnitude(grey)),
    "Canny": filters.canny(grey),
}
fig, axes = subplots(2, 3, width=3.6, height=3.0)
for ax, (name, image) in zip(axes.flat, shown.items(), strict=True):
    ax.imshow(image, cmap="gray")
    ax.set_title(name)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 3. The coins photo
# The background is brighter at the top than at the bottom: no single grey level separates every
# coin from it. The top-hat (the image minus its opening by a disc wider than any coin) removes
# that slow change and leaves the coins on a flat, dark background.

# %%
coins = read_image(fetch("skimage_coins"), grey=True)
fig, axes = subplots(1, 3, width=3.6, height=3.0)
for ax, (name, image) in zip(
    axes,
    {
        "the photo": coins,
        "global Otsu mask": otsu_mask(coins),
        "top-hat, then Otsu": otsu_mask(flatten_background(coins)),
    }.items(),
    strict=True,
):
    ax.imshow(image, cmap="gray")
    ax.set_title(name)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 4. Count: contours of the mask
# `objects` closes small gaps, takes the outer contours and drops specks. Three attempts: look
# at the number of regions and at the oversized ones (coins merged with each other or with the
# background). A count near 24 can hide errors that cancel out: look at the outlines too.

# %%
attempts = {
    "global Otsu": objects(otsu_mask(coins)),
    "adaptive threshold": objects(adaptive_mask(coins)),
    "top-hat + Otsu": find_coins(coins),
}
fig, axes = subplots(1, 3, width=4.0, height=3.4)
for ax, (name, contours) in zip(axes, attempts.items(), strict=True):
    ax.imshow(bgr_to_rgb(outline(coins, contours)))
    ax.set_title(f"{name}: {len(contours)} regions")
    ax.axis("off")
plt.show()
pd.DataFrame(
    {
        "regions": {name: len(found) for name, found in attempts.items()},
        "oversized": {name: oversized(found) for name, found in attempts.items()},
    }
)

# %% [markdown]
# ## 5. The quality bar
# 24 ± 1 coins (scikit-image documents the photo as 24 Greek coins).

# %%
count_error = abs(len(attempts["top-hat + Otsu"]) - TRUE_COINS)
checked, _ = check_bars(BARS, {"count_error": count_error}, ["skimage_coins"])
for row in checked:
    verdict = "PASS" if row["passed"] else "FAIL"
    print(f"{verdict} {row['metric']} {row['op']} {row['target']}: {row['value']:g}")
