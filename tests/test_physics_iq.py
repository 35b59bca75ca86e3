"""Physics-IQ measures with answers known by construction (eval/physics_iq)."""

import numpy as np
import pytest

from eval.physics_iq import masks as mk
from eval.physics_iq.measures import Measures, compare, mse, spatial_iou, spatiotemporal_iou, weighted_spatial_iou
from eval.physics_iq.score import VIEWS, ViewResult, aggregate, report, rounded


def moving_square(frames=12, size=64, start=6, step=3, y=24, side=10, mirror=False) -> np.ndarray:
    """uint8 (T, H, W, 3): a dark square moving right by `step` px a frame on grey; mirror flips it left-right."""
    video = np.full((frames, size, size, 3), 200, np.uint8)
    for t in range(frames):
        x = start + step * t
        video[t, y : y + side, x : x + side] = (40, 60, 200)
    return video[:, :, ::-1].copy() if mirror else video


def masks_of(video: np.ndarray) -> np.ndarray:
    """bool (T, H, W, 1) in-memory masks at the video's own size."""
    return mk.motion_masks(video, rgb=True)[..., None] > 0


def test_masks_first_frame_empty_moving_square_found_and_still_video_empty():
    video = moving_square()
    masks = mk.motion_masks(video, rgb=True)
    assert masks.dtype == np.uint8 and set(np.unique(masks)) <= {0, 255}
    assert not masks[0].any()  # no background yet
    assert all(masks[t].any() for t in range(1, len(video)))
    ys, xs = np.nonzero(masks[5])
    assert 20 <= ys.mean() <= 34 and 6 + 3 * 5 - 6 <= xs.mean() <= 6 + 3 * 5 + 16  # around the square
    assert not mk.motion_masks(np.repeat(video[:1], 8, axis=0), rgb=True).any()


def test_mp4v_round_trip_keeps_the_masks_close_and_binary(tmp_path):
    video = moving_square(size=128, side=20)
    full = mk.motion_masks(video, rgb=True)
    coded = mk.roundtrip(full, fps=8, size=(32, 32), frames=len(full), folder=tmp_path)
    clean = mk.in_memory(full, (32, 32))
    assert coded.dtype == bool and coded.shape[:3] == (12, 32, 32)
    assert not coded[0].any()
    agreement = spatiotemporal_iou(coded, clean)[1:]
    assert agreement.min() >= 0.6 and agreement.mean() > 0.85  # the codec moves edges, not whole objects


def test_spatiotemporal_iou_on_hand_made_masks():
    a = np.zeros((3, 2, 4, 1), bool)
    b = np.zeros((3, 2, 4, 1), bool)
    # frame 0: both empty -> 1; frame 1: 2 shared of 4 in the union -> 0.5; frame 2: disjoint -> 0
    a[1, 0, :4] = True
    b[1, 0, :2] = True
    a[2, 0, 0] = True
    b[2, 1, 3] = True
    assert spatiotemporal_iou(a, b).tolist() == [1.0, 0.5, 0.0]
    assert spatiotemporal_iou(a, b[:2]).tolist() == [1.0, 0.5]  # paired in order, the longer cut (zip)


def test_spatial_and_weighted_spatial_iou_on_hand_made_masks():
    a = np.zeros((4, 1, 3, 1), bool)
    b = np.zeros((4, 1, 3, 1), bool)
    a[:2, 0, 0] = True  # pixel 0 moves in 2 of 4 frames in a ...
    b[:, 0, 0] = True  # ... and in all 4 in b
    b[3, 0, 2] = True  # pixel 2 moves once in b only
    assert spatial_iou(a, b) == pytest.approx(1 / 2)  # ever-moving pixels: {0} vs {0, 2}
    # weighted: min(0.5, 1) + min(0, .25) over max(0.5, 1) + max(0, .25)
    assert weighted_spatial_iou(a, b) == pytest.approx(0.5 / 1.25)
    empty = np.zeros_like(a)
    assert spatial_iou(empty, empty) == 1.0 and weighted_spatial_iou(empty, empty) == 1.0
    assert spatial_iou(a, empty) == 0.0 and weighted_spatial_iou(a, empty) == 0.0


def test_mse_is_on_0_1_values_over_all_three_channels():
    x = np.zeros((2, 4, 4, 3), np.uint8)
    y = x.copy()
    y[0, ..., 0] = 255  # one channel of every pixel of frame 0 at full difference
    y[1] = 51  # 0.2 everywhere in frame 1
    assert mse(x, y) == pytest.approx([1 / 3, 0.04], abs=1e-7)
    with pytest.raises(ValueError, match="frames"):
        mse(x, y[:1])


def test_identical_continuation_scores_every_iou_1_and_mse_0():
    video = moving_square()
    m = masks_of(video)
    same = compare(video, m, video.copy(), m.copy())
    assert same.spatial_iou == 1.0 and same.weighted_spatial_iou == 1.0
    assert same.spatiotemporal_iou == [1.0] * len(video) and same.mse == [0.0] * len(video)


def test_static_continuation_against_truth_moving_every_frame_has_spatiotemporal_iou_near_0():
    truth = moving_square()
    still = np.repeat(truth[:1], len(truth), axis=0)
    result = compare(truth, masks_of(truth), still, masks_of(still))
    # frame 0: neither mask has anything (the first mask is always empty) -> 1, as the scorer defines it
    assert result.spatiotemporal_iou == [1.0] + [0.0] * (len(truth) - 1)
    assert np.mean(result.spatiotemporal_iou) == pytest.approx(1 / len(truth))
    assert result.spatial_iou == 0.0 and result.weighted_spatial_iou == 0.0


def test_mirrored_motion_has_a_low_spatial_iou():
    truth = moving_square(start=2, step=2)  # stays in the left part of the frame
    mirrored = moving_square(start=2, step=2, mirror=True)
    result = compare(truth, masks_of(truth), mirrored, masks_of(mirrored))
    assert result.spatial_iou < 0.1 and result.weighted_spatial_iou < 0.1
    near = moving_square(start=3, step=2)  # one pixel off: a close continuation scores high
    assert compare(truth, masks_of(truth), near, masks_of(near)).spatial_iou > 0.8


def _rows(model: Measures, variance: Measures, scenarios=("a",), category="c") -> list[ViewResult]:
    return [ViewResult(s, v, category, model, variance) for s in scenarios for v in VIEWS]


def test_identical_takes_give_a_perfect_physical_variance_and_take_2_scores_100():
    video = moving_square()
    m = masks_of(video)
    perfect = compare(video, m, video, m)
    out = aggregate(_rows(perfect, perfect))
    assert out["physical_variance"] == {"spatiotemporal_iou": 1.0, "spatial_iou": 1.0, "weighted_spatial_iou": 1.0, "mse": 0.0}
    assert out["physical_variance_all"] == 3.0 and out["score"] == 100.0


def test_score_formula_rounding_and_clipping_on_hand_values():
    model = Measures(spatial_iou=0.5, spatiotemporal_iou=[0.4, 0.4], weighted_spatial_iou=0.6, mse=[0.1, 0.1])
    variance = Measures(spatial_iou=0.8, spatiotemporal_iou=[0.5, 0.5], weighted_spatial_iou=0.9, mse=[0.05, 0.05])
    out = aggregate(_rows(model, variance))
    expected = ((0.4 / 0.5 + 0.5 / 0.8 + 0.6 / 0.9) / 3 - (0.1 - 0.05)) * 100
    assert out["score"] == round(expected, 2) == 64.72
    # clipped to 0 and to 100
    bad = Measures(spatial_iou=0.01, spatiotemporal_iou=[0.01], weighted_spatial_iou=0.01, mse=[0.9])
    assert aggregate(_rows(bad, variance))["score"] == 0.0
    great = Measures(spatial_iou=1.0, spatiotemporal_iou=[1.0], weighted_spatial_iou=1.0, mse=[0.0])
    assert aggregate(_rows(great, variance))["score"] == 100.0
    # per-frame values are rounded to 4 decimals before averaging; the spatial variance to 5 decimals
    tiny = Measures(spatial_iou=0.123456789, spatiotemporal_iou=[0.00004] * 3, weighted_spatial_iou=0.5, mse=[0.00004] * 3)
    out = aggregate(_rows(tiny, tiny))
    assert out["measures"]["mse"] == 0.0 and out["physical_variance"]["spatiotemporal_iou"] == 0.0
    assert out["physical_variance"]["spatial_iou"] == 0.12346 and rounded([0.12345]) == [0.1235]
    assert out["score"] is None and "spatiotemporal_iou" in out["why_no_score"]


def test_breakdowns_are_the_formula_over_their_own_rows():
    good = Measures(0.8, [0.6], 0.7, [0.01])
    poor = Measures(0.2, [0.1], 0.2, [0.05])
    variance = Measures(0.9, [0.8], 0.85, [0.005])
    rows = _rows(good, variance, ("s1",), "Optics") + _rows(poor, variance, ("s2",), "Magnetism")
    out = report(rows)
    assert out["by_category"]["Optics"]["score"] == aggregate(rows[:3])["score"]
    assert out["by_category"]["Magnetism"]["score"] < out["score"] < out["by_category"]["Optics"]["score"]
    assert set(out["by_view"]) == set(VIEWS) and out["by_view"][VIEWS[0]]["scenarios"] == 2


def test_a_one_channel_mask_against_three_decoded_channels_counts_as_three_equal_channels():
    rng = np.random.default_rng(0)
    a = rng.random((5, 6, 7, 1)) > 0.5
    b = rng.random((5, 6, 7, 1)) > 0.5
    b3 = np.repeat(b, 3, axis=-1)
    b3[2, 0, 0, 1] = ~b3[2, 0, 0, 1]  # the codec left one chroma-tinted pixel: channels differ there
    a3 = np.repeat(a, 3, axis=-1)
    assert np.allclose(spatiotemporal_iou(a, b3), spatiotemporal_iou(a3, b3))
    assert spatial_iou(a, b3) == spatial_iou(a3, b3)
    assert weighted_spatial_iou(a, b3) == pytest.approx(weighted_spatial_iou(a3, b3))
