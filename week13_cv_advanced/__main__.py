"""Run week 13: `python -m week13_cv_advanced [--project NAME] [--fast]`, or a sub-command.

Sub-commands: `video --source FILE|0 --out OUT.mp4` (face-mask detection on a video or webcam)
and `yolo --image FILE` (a COCO YOLO ONNX detector through cv2.dnn, when its weights can be had).
"""

import sys

from shared.cli import run_week

WEEK = 13
TITLE = "Computer vision: detection, face masks, tracking"
PROJECTS = {
    "face_detection": "week13_cv_advanced.projects.face_detection",
    "face_mask": "week13_cv_advanced.projects.face_mask",
    "tracking": "week13_cv_advanced.projects.tracking",
}
COMMANDS = {
    "video": "week13_cv_advanced.video:main",
    "yolo": "week13_cv_advanced.yolo:main",
}

if __name__ == "__main__":
    raise SystemExit(run_week(WEEK, TITLE, PROJECTS, sys.argv[1:], commands=COMMANDS))
