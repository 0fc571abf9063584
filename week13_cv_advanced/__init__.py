"""Week 13: face detectors compared, face-mask detection on video, and multi-object tracking."""
