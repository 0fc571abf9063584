"""Week 13: CLEAR MOT on a hand-made example, the centroid tracker, the synthetic sequence."""

from __future__ import annotations

import numpy as np
import pytest

from week13_cv_advanced.centroid_tracker import CentroidTracker
from week13_cv_advanced.mot_metrics import mot_score
from week13_cv_advanced.synthetic_tracks import detect_discs, render


def box(x: float, y: float = 0.0, size: float = 10.0) -> np.ndarray:
    return np.array([x, y, x + size, y + size])


def test_mota_on_a_hand_made_three_track_example() -> None:
    """Three objects a, b, c over four frames: one miss, one false positive, one ID switch."""
    truth = [
        {0: box(0), 1: box(100), 2: box(200)},
        {0: box(1), 1: box(101), 2: box(201)},
        {0: box(2), 1: box(102)},  # c is hidden
        {0: box(3), 1: box(103), 2: box(203)},
    ]
    tracks = [
        {10: box(0), 11: box(100), 12: box(200)},
        {10: box(1), 11: box(101)},  # c missed
        {10: box(2), 11: box(102), 13: box(400)},  # a false positive far away
        {10: box(3), 14: box(103), 12: box(203)},  # b now carries ID 14: a switch; c keeps 12
    ]
    score = mot_score(truth, tracks)
    assert (score.misses, score.false_positives, score.id_switches, score.objects) == (1, 1, 1, 11)
    assert score.mota == pytest.approx(1 - 3 / 11)


def test_mota_is_one_for_a_perfect_tracker_and_counts_a_box_too_far_off_twice() -> None:
    truth = [{0: box(0)}, {0: box(5)}]
    assert mot_score(truth, [{7: box(0)}, {7: box(5)}]).mota == 1.0
    shifted = mot_score(truth, [{7: box(0)}, {7: box(12)}])  # IoU 0: a miss and a false positive
    assert (shifted.misses, shifted.false_positives) == (1, 1)
    with pytest.raises(ValueError, match="frames"):
        mot_score(truth, [{}])


def test_centroid_tracker_keeps_ids_through_a_gap_and_forgets_after_max_disappeared() -> None:
    tracker = CentroidTracker(max_disappeared=3, max_distance=20)
    first = tracker.update([box(0), box(100)])
    assert sorted(first) == [0, 1]
    tracker.update([box(4), box(100)])
    for _ in range(2):  # object 0 hidden for two frames while it keeps moving
        assert list(tracker.update([box(100)])) == [1]
    back = tracker.update([box(16), box(100)])  # reappears where its velocity says: same ID
    assert sorted(back) == [0, 1] and back[0][0] == 16
    for _ in range(4):
        tracker.update([box(100)])
    assert 0 not in tracker.tracks
    assert sorted(tracker.update([box(16), box(100)])) == [1, 2]  # a new ID, not 0
    assert tracker.lengths[1] == 10


def test_synthetic_truth_matches_the_detector_and_has_occlusions() -> None:
    seq = render(n_objects=5, n_frames=40, seed=0)
    assert len(seq.frames) == 40 and seq.frames[0].shape == (240, 320, 3)
    visible = sum(len(t) for t in seq.truth)
    assert 100 < visible < 200  # some object-frames are hidden behind the pillars
    tracker = CentroidTracker()
    score = mot_score(seq.truth, [tracker.update(detect_discs(f)) for f in seq.frames])
    assert score.mota >= 0.9
