"""Run week 21: `python -m week21_dl_advanced [--project NAME] [--fast]`.

`segmentation` builds its scene set into the report folder (scenes/, as COCO JSON and PNG masks)
and saves its UNet run, which `lightning` reads back and compares against, so `lightning` runs
after it; `detection` builds and caches its own, larger scenes in the same folder.
"""

import sys

from shared.cli import run_week

WEEK = 21
TITLE = "Modern deep-learning architectures: attention, ViT, UNet, Faster R-CNN, Lightning"
PROJECTS = {
    "attention": "week21_dl_advanced.projects.attention",
    "segmentation": "week21_dl_advanced.projects.segmentation",
    "lightning": "week21_dl_advanced.projects.lightning_unet",
    "detection": "week21_dl_advanced.projects.detection",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:]))
