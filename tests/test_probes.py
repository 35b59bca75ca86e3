"""Each probe passes the world's ground truth and fails the mistake it exists to catch.

    .venv/bin/python -m pytest -q tests/test_probes.py
"""

from dataclasses import replace

import numpy as np
import pytest

import world
from eval.probes import PROBES, run_probes
from eval.probes import corruptions as c
from eval.probes.overlay import STATUS_RGB, draw
from eval.probes.tracker import camera_motion, observe
from eval.probes.validate import edge_trials, validate
from eval.probes.verdict import FAIL, INCONCLUSIVE, PASS, Verdict
from pipeline.video_io import read_video, write_mp4
from world import Expectation, Thing, expectation_for, parse
from world.render import make_clip, render

CASES = [  # probe, scene event, corruption
    ("presence", "still", c.removed),
    ("presence", "move", c.recoloured),
    ("presence", "fall", c.reshaped),
    ("presence", "relation", c.reshaped),
    ("presence", "move", c.smeared),
    ("presence", "still", c.smeared),
    ("left_right", "move", c.mirrored),
    ("left_right", "relation", c.mirrored),
    ("left_right", "hit", c.mirrored),
    ("gravity", "fall", c.time_reversed),
    ("causality", "hit", c.early_strike),
    ("permanence", "occlude", c.deleted_later),
    ("permanence", "occlude", c.recoloured_later),
    ("permanence", "move", c.duplicated),
    ("permanence", "occlude", c.split),
]


def clip_for(probe: str, event: str, seed: int, pan: bool, size=(64, 64)):
    rng = np.random.default_rng(seed)
    spec = world.sample_spec(rng, event=event, pan=pan)
    while probe not in expectation_for(spec).probes():
        spec = world.sample_spec(rng, event=event, pan=pan)
    return make_clip(spec, seed=seed, width=size[0], height=size[1]), rng


@pytest.mark.parametrize("probe,event,corrupt", CASES, ids=[f"{p}-{e}-{f.__name__}" for p, e, f in CASES])
@pytest.mark.parametrize("pan,size", [(False, (64, 64)), (True, (96, 64)), (True, (64, 96))])
def test_probe_passes_truth_and_fails_its_corruption(probe, event, corrupt, pan, size):
    clip, rng = clip_for(probe, event, seed=11, pan=pan, size=size)
    expectation = expectation_for(clip.scene.spec)
    truth = PROBES[probe](clip.frames, expectation)
    assert truth.status == PASS, truth
    twin = PROBES[probe](corrupt(clip, rng), expectation)
    assert twin.status == FAIL, twin
    assert twin.reason and twin.measured is not None


@pytest.mark.parametrize("event", ["move", "fall", "hit", "occlude", "relation"])
def test_truth_survives_an_mp4_round_trip(tmp_path, event):
    clip, _ = clip_for("presence", event, seed=5, pan=event == "move")
    path = write_mp4(tmp_path / "clip.mp4", clip.frames, fps=8)
    frames, fps = read_video(path)
    verdicts = run_probes(frames, expectation_for(clip.scene.spec))
    assert [v.status for v in verdicts] == [PASS] * len(verdicts), verdicts


def test_the_overlay_draws_boxes_on_the_frames_and_verdicts_under_them():
    clip, rng = clip_for("presence", "move", seed=4, pan=False)
    expectation = expectation_for(clip.scene.spec)
    twin = c.removed(clip, rng)
    verdicts = run_probes(twin, expectation)
    t, h, w, _ = twin.shape
    observation = observe(twin, expectation)
    with_text, picture = draw(twin, observation, verdicts), draw(twin, observation, verdicts, panel=False)
    assert picture.shape == (t, 4 * h, 4 * w, 3) and with_text.shape[0] == t and with_text.shape[1] > 4 * h
    assert np.array_equal(with_text[:, : 4 * h], picture)
    panel = with_text[0, 4 * h :]
    red = np.array(STATUS_RGB[FAIL])
    assert (np.abs(panel.astype(int) - red).sum(axis=-1) < 60).any()  # the failing verdict is written in red
    big = np.repeat(np.repeat(twin, 4, axis=1), 4, axis=2)
    drawn = (picture != big).any(axis=-1) & (picture == 255).all(axis=-1)
    assert drawn.any()  # the boxes of the objects still there are drawn in white


def test_camera_motion_matches_the_pan():
    clip, _ = clip_for("presence", "still", seed=2, pan=True)
    shift = camera_motion(clip.frames)
    expected = -clip.truth.events.pan_px_per_frame * np.arange(clip.scene.frames)
    assert np.max(np.abs(shift[:, 0] - expected)) < 0.5
    assert np.max(np.abs(shift[:, 1])) < 0.5


def test_a_colourless_subject_is_tracked_by_motion():
    clip, _ = clip_for("left_right", "move", seed=3, pan=False)
    spec = clip.scene.spec
    natural = Expectation(objects=(Thing(colour=None),), direction=spec.direction)
    assert PROBES["left_right"](clip.frames, natural).status == PASS
    assert PROBES["left_right"](c.mirrored(clip, None), natural).status == FAIL


def test_wrong_shape_fails_presence():
    clip, _ = clip_for("presence", "still", seed=0, pan=False)
    spec = clip.scene.spec
    other = next(s for s in world.SHAPES if s != spec.subject.shape)
    wrong = Expectation(objects=(Thing(spec.subject.colour, other),))
    verdict = PROBES["presence"](clip.frames, wrong)
    assert verdict.status == FAIL and other in verdict.reason


def test_an_object_that_sinks_into_the_floor_fails_gravity():
    clip, _ = clip_for("gravity", "fall", seed=4, pan=False)
    scene = clip.scene
    ball = scene.bodies[0]
    first_bounce = clip.truth.events.bounce_frames[0]
    y = ball.y.copy()
    y[first_bounce + 2 :] = y[first_bounce] + 0.12  # it stays down there, below the floor
    frames = render(scene.with_bodies((replace(ball, y=y),) + scene.bodies[1:])).frames
    verdict = PROBES["gravity"](frames, expectation_for(scene.spec))
    assert verdict.status == FAIL, verdict


def test_a_struck_object_that_never_moves_fails_causality():
    clip, _ = clip_for("causality", "hit", seed=6, pan=False)
    scene = clip.scene
    struck = scene.bodies[1]
    frozen = replace(struck, x=np.full_like(struck.x, struck.x[0]))
    frames = render(scene.with_bodies((scene.bodies[0], frozen) + scene.bodies[2:])).frames
    verdict = PROBES["causality"](frames, expectation_for(scene.spec))
    assert verdict.status == FAIL and "does not move" in verdict.reason, verdict


def test_an_object_vanishing_mid_view_fails_permanence():
    clip, rng = clip_for("permanence", "move", seed=8, pan=False)
    verdict = PROBES["permanence"](c.deleted_later(clip, rng), expectation_for(clip.scene.spec))
    assert verdict.status == FAIL and "vanishes" in verdict.reason


def test_run_probes_follows_the_expectation():
    clip, _ = clip_for("causality", "hit", seed=1, pan=False)
    expectation = expectation_for(clip.scene.spec)
    verdicts = run_probes(clip.frames, expectation)
    assert [v.probe for v in verdicts] == list(expectation.probes()) == ["presence", "left_right", "causality", "permanence"]
    assert all(isinstance(v, Verdict) for v in verdicts)


def test_bad_frames_are_refused():
    with pytest.raises(ValueError, match="frames"):
        observe(np.zeros((4, 8, 8), np.uint8), Expectation(objects=(Thing("red"),)))
    with pytest.raises(ValueError, match="status"):
        Verdict("presence", "maybe", "", {})


def test_validate_reports_rates_for_every_probe():
    report = validate(n=6, seed=0)
    assert set(report) == set(PROBES)
    for row in report.values():
        for key in ("gt_pass", "corrupt_fail", "gt_inconclusive"):
            assert 0.0 <= row[key] <= 1.0
        assert row["gt_pass"] >= 5 / 6 and row["corrupt_fail"] >= 5 / 6
    for probe in c.EDGES:  # the edge twins are reported beside the probe they test
        assert set(report[probe]["edges"]["twins"]) == {twin.__name__ for twin in c.EDGES[probe]}


EDGE_CASES = [(probe, twin) for probe, twins in c.EDGES.items() for twin in twins]


@pytest.mark.parametrize("probe,twin", EDGE_CASES, ids=[f"{p}-{t.__name__}" for p, t in EDGE_CASES])
def test_edge_twins_get_the_verdict_their_side_of_the_rule_calls_for(probe, twin):
    """A twin just past a rule's threshold fails and one just short of it passes. These fail if a
    rule's check is removed (a sink past the tolerance then passes) or its threshold moves by a
    frame or a pixel (a strike one frame before contact then passes)."""
    n = 24 if probe == "gravity" else 8  # about 40% of falls can hold a sink (the rest bounce until the last frame)
    truths, rows = edge_trials(probe, n=n, seed=3)
    assert truths == [PASS] * len(truths)
    mine = [r for r in rows if r.twin == twin.__name__]
    assert len(mine) >= 3, f"{twin.__name__}: only {len(mine)} of {n} clips could hold it"
    wrong = [r for r in mine if r.got != twin.expected]
    assert not wrong, f"{twin.__name__} must get {twin.expected}: got {[r.got for r in mine]}"


@pytest.mark.parametrize("prompt", [
    "a red ball moves right and hits a blue box",
    "a red ball falls and bounces, and a green box stays still",
    "a red ball moves right behind a wall",
])
def test_every_probe_gives_a_verdict_on_broken_videos(prompt):
    # what an untrained model makes: a named object missing, flat grey, noise
    expectation = parse(prompt).expectation
    only_subject = make_clip(parse("a red ball moves right").spec, seed=0).frames
    grey = np.full((16, 64, 64, 3), 200, np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (16, 64, 64, 3), dtype=np.uint8)
    for frames in (only_subject, grey, noise):
        verdicts = run_probes(frames, expectation)
        assert [v.probe for v in verdicts] == list(expectation.probes())
        assert all(v.status in (PASS, FAIL, INCONCLUSIVE) and v.reason for v in verdicts)
    permanence = {v.probe: v for v in run_probes(only_subject, parse("a red ball moves right and hits a blue box").expectation)}["permanence"]
    assert permanence.measured["never_seen"] == ["blue box"]


# ---------------------------------------------------------------- what the overlay draws, pixel by pixel


def one_track(colour: str | None, present, boxes) -> "Observation":
    """An observation of one thing over len(present) frames of 16x16, with the given boxes (x0, y0, x1, y1)."""
    return tracked((Thing(colour=colour), present, boxes), size=(16, 16))


def test_the_overlay_enlarges_by_nearest_neighbour_and_boxes_a_present_thing_in_white():
    from eval.probes.overlay import draw

    frames = np.zeros((2, 16, 16, 3), np.uint8)
    frames[:, 0, 0] = (10, 20, 30)  # a pixel the drawing does not reach
    observation = one_track("red", [True, False], [[4, 4, 7, 7], [0, 0, 0, 0]])
    out = draw(frames, observation, [], scale=3, panel=False)  # (2, 48, 48, 3)
    assert out.shape == (2, 48, 48, 3) and out.dtype == np.uint8
    assert (out[:, :3, :3] == (10, 20, 30)).all()  # one source pixel -> a 3x3 block
    white = (out[0] == 255).all(axis=-1)
    # the box's outline: from (4*3 - 1) to (7*3 + 3), one pixel wide, around the thing's pixels
    assert white[11, 11:25].all() and white[24, 11:25].all() and white[11:25, 11].all() and white[11:25, 24].all()
    assert not white[12:24, 12:24].any() and white.sum() == 4 * 13
    assert not (out[1] != 0).any(axis=-1)[3:].any()  # absent in frame 1: no box, and one point is no trail


def test_the_overlay_trails_a_thing_in_its_own_colour_once_it_has_moved():
    from eval.probes.overlay import draw
    from world import PALETTE

    frames = np.zeros((3, 16, 16, 3), np.uint8)
    boxes = [[2, 8, 2, 8], [6, 8, 6, 8], [10, 8, 10, 8]]  # a point moving right along y = 8
    for colour, rgb in (("green", PALETTE["green"]), (None, (255, 255, 255))):
        out = draw(frames, one_track(colour, [True] * 3, boxes), [], scale=2, panel=False)
        trail = out[:, 16].max(axis=-1) > 60  # (3, 32): the row y = 8 * 2
        # points at x = 4, 12, 20 with their white boxes around them (3..6, 11..14, 19..22); the trail between
        assert not trail[0, 4:6].any()  # one point so far, inside its box: no trail yet
        assert trail[:, 8].tolist() == [False, True, True]  # from frame 1 on, between the first two points
        assert trail[:, 16].tolist() == [False, False, True]  # from frame 2 on, between the last two
        assert trail[2, 7:11].all() and trail[2, 15:19].all()
        shade = out[2, 16, 8].astype(float)  # anti-aliased: dimmer, but the thing's own colour
        assert shade @ rgb / (np.linalg.norm(shade) * np.linalg.norm(rgb)) > 0.999, (shade, rgb)
        assert shade.max() < max(rgb) and out[2, 14:19, 8].max() > 0  # a one-pixel line, blended at its edges
        assert out[2, 14, 8].max() == 0 and out[2, 18, 8].max() == 0 and out[2, 15, 8].max() < 60


def test_the_trail_is_an_open_path():
    from eval.probes.overlay import draw

    boxes = [[2, 2, 2, 2], [12, 2, 12, 2], [12, 12, 12, 12]]  # right, then down: an L
    out = draw(np.zeros((3, 16, 16, 3), np.uint8), one_track("green", [True] * 3, boxes), [], scale=2, panel=False)
    assert out[2, 14, 14].max() == 0  # nothing on the diagonal back from the end to the start


def test_the_overlay_labels_each_event_on_its_own_frame():
    import cv2

    from eval.probes.overlay import _event_frames, draw

    verdicts = [Verdict("gravity", PASS, "", {"contact_frame": 2, "contact_frames": [2, 4]}),
                Verdict("causality", FAIL, "", {"onset_frame": 1, "contact_frame": None}),
                Verdict("permanence", PASS, "", {"hidden": [[3, 5]]})]
    assert _event_frames(verdicts) == [("contact", 2), ("bounce", 2), ("bounce", 4), ("struck object moves", 1),
                                       ("out of sight", 3)]
    frames = np.zeros((6, 16, 16, 3), np.uint8)
    out = draw(frames, one_track("red", [False] * 6, np.zeros((6, 4))), verdicts, scale=4, panel=False)
    labelled = [bool((out[i, :16] == 255).all(axis=-1).any()) for i in range(6)]  # white text at the top left
    assert labelled == [False, True, True, True, True, False]
    expected = np.zeros((64, 64, 3), np.uint8)
    cv2.putText(expected, "out of sight", (4, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    assert np.array_equal(out[3], expected)  # the label, where and as large as it is written


def test_the_verdict_panel_writes_one_line_per_verdict_in_its_status_colour():
    import cv2

    from eval.probes.overlay import LINE_HEIGHT, OTHER_RGB, verdict_panel

    verdicts = [Verdict("presence", PASS, "red ball seen"), Verdict("gravity", FAIL, "rises"),
                Verdict("causality", INCONCLUSIVE, "no contact")]
    panel = verdict_panel(verdicts, 320)
    assert panel.shape == (3 * LINE_HEIGHT + 6, 320, 3) and panel.dtype == np.uint8
    expected = np.full_like(panel, 24)
    for row, (text, rgb) in enumerate([("presence: PASS  red ball seen", STATUS_RGB[PASS]),
                                       ("gravity: FAIL  rises", STATUS_RGB[FAIL]), ("causality: INCONCLUSIVE  no contact", OTHER_RGB)]):
        cv2.putText(expected, text, (4, 14 + row * LINE_HEIGHT), cv2.FONT_HERSHEY_SIMPLEX, 0.33, rgb, 1, cv2.LINE_AA)
    assert np.array_equal(panel, expected)
    assert (STATUS_RGB[PASS], STATUS_RGB[FAIL], OTHER_RGB) == ((40, 170, 60), (210, 40, 40), (150, 150, 150))


def test_the_panel_goes_under_every_frame():
    from eval.probes.overlay import draw, verdict_panel

    frames = np.zeros((2, 8, 8, 3), np.uint8)
    verdicts = [Verdict("presence", PASS, "seen")]
    out = draw(frames, one_track("red", [False, False], np.zeros((2, 4))), verdicts, scale=4)
    panel = verdict_panel(verdicts, 32)
    assert out.shape == (2, 32 + len(panel), 32, 3)
    assert np.array_equal(out[0, 32:], panel) and np.array_equal(out[1, 32:], panel)


# ---------------------------------------------------------------- the package's entry points


def test_a_verdict_as_a_dict_keeps_every_field():
    verdict = Verdict("gravity", FAIL, "rises", {"sink_px": 3.5})
    assert verdict.to_dict() == {"probe": "gravity", "status": "fail", "reason": "rises", "measured": {"sink_px": 3.5}}


def test_the_probes_share_one_tracking_pass_and_the_evidence_is_drawn_from_it(monkeypatch):
    import eval.probes as probes
    from eval.probes.overlay import draw

    clip, _ = clip_for("presence", "hit", seed=6, pan=False)
    expectation = expectation_for(clip.scene.spec)
    observation = observe(clip.frames, expectation)
    monkeypatch.setattr(probes, "observe", lambda frames, exp: observation)
    seen = []
    for name, check in list(PROBES.items()):
        monkeypatch.setitem(PROBES, name, lambda f, e, o=None, check=check: seen.append((f is clip.frames, o)) or check(f, e, o))
    verdicts, drawn = probes.run_probes_with_evidence(clip.frames, expectation)
    assert len(seen) == len(expectation.probes()) >= 2 and all(same and o is observation for same, o in seen)
    assert [v.probe for v in verdicts] == list(expectation.probes())
    assert np.array_equal(drawn, draw(clip.frames, observation, verdicts))
    monkeypatch.setattr("eval.probes.overlay.draw", lambda *a: pytest.fail("run_probes drew the evidence"))
    assert probes.run_probes(clip.frames, expectation) == verdicts


# ---------------------------------------------------------------- exact verdicts on tracks made by hand

RED_BALL, BLUE_BOX = Thing("red", "ball"), Thing("blue", "box")
NO_FRAMES = np.zeros((1, 1, 1, 3), np.uint8)  # the probes read the observation they are given


def tracked(*things, size=(64, 64), camera=None, strangers=None) -> "Observation":
    """An observation of (Thing, present (T,), boxes (T, 4) x0, y0, x1, y1[, {field: (T,) values}])
    tracks (areas, border, copies, fill, sag: zero unless given); camera (T, 2) or still; strangers (T,) or none."""
    from eval.probes.tracker import Observation, Track

    tracks = []
    for thing, present, boxes, *more in things:
        present, boxes = np.array(present, bool), np.array(boxes, float)
        centres = np.where(present[:, None], (boxes[:, :2] + boxes[:, 2:]) / 2, np.nan)
        zeros = np.zeros(len(present))
        given = {"areas": zeros, "border": present & False, "copies": zeros, "fill": zeros, "sag": zeros,
                 **(more[0] if more else {})}
        tracks.append(Track(thing, present, centres, np.asarray(given["areas"], float), boxes,
                            np.asarray(given["border"], bool), np.asarray(given["copies"]),
                            np.asarray(given["fill"], float), np.asarray(given["sag"], float)))
    t = len(tracks[0].present)
    return Observation(size, np.zeros((t, 2)) if camera is None else np.asarray(camera, float), tuple(tracks),
                       np.zeros(t) if strangers is None else np.asarray(strangers))


def boxes_at(xs, y=20.0, w=7.0) -> np.ndarray:
    """(T, 4) boxes w+1 pixels wide whose left edges are xs."""
    xs = np.asarray(xs, float)
    return np.stack([xs, np.full_like(xs, y), xs + w, np.full_like(xs, y + w)], axis=1)


def strike(b_moves_from: int, push: float = 4.0, box_at: float = 40.0) -> "Observation":
    """A red ball coming 4 px a frame from x = 0 to a blue box at x = box_at, 10 frames; the box moves
    `push` px a frame from frame b_moves_from on. The ball reaches it at frame 8 (gap 0 at x = 40)."""
    ball = boxes_at(4.0 * np.arange(10))
    box_x = box_at + push * np.clip(np.arange(10) - b_moves_from + 1, 0, None)
    return tracked((RED_BALL, [True] * 10, ball), (BLUE_BOX, [True] * 10, boxes_at(box_x)))


HIT = Expectation(objects=(RED_BALL, BLUE_BOX), direction="right", strikes=True)


def test_causality_passes_a_push_after_contact_with_every_figure():
    from eval.probes import causality

    verdict = causality.check(NO_FRAMES, HIT, strike(b_moves_from=9, push=4.125, box_at=40.257))
    assert verdict == Verdict("causality", PASS, "contact at frame 8, blue box moves from frame 9 (4.1 px)",
                              {"contact_frame": 8, "onset_frame": 9, "closest_gap_px": 0.26, "push_px": 4.12})


def test_causality_fails_a_struck_object_that_leaves_a_frame_early():
    from eval.probes import causality

    verdict = causality.check(NO_FRAMES, HIT, strike(b_moves_from=7, push=1.5))  # the ball still catches up at 8
    assert verdict.status == FAIL and verdict.reason == "blue box moves at frame 7, before red ball reaches it at frame 8"
    assert (verdict.measured["contact_frame"], verdict.measured["onset_frame"]) == (8, 7)


def test_causality_fails_a_struck_object_that_barely_moves():
    from eval.probes import causality

    verdict = causality.check(NO_FRAMES, HIT, strike(b_moves_from=9, push=3.0))  # 3 px: under 5% of 64
    assert verdict == Verdict("causality", FAIL, "red ball reaches blue box at frame 8 but it does not move",
                              {"contact_frame": 8, "onset_frame": 9, "closest_gap_px": -1.0, "push_px": 3.0})


def test_causality_is_inconclusive_without_two_objects_or_seeing_them():
    from eval.probes import causality

    alone = tracked((RED_BALL, [True] * 10, boxes_at(np.arange(10))))
    assert causality.check(NO_FRAMES, Expectation(objects=(RED_BALL,)), alone) == Verdict(
        "causality", INCONCLUSIVE, "the prompt names no struck object", {})
    half = [True] * 4 + [False] * 6  # seen in 40% of the frames: under half
    hidden = tracked((RED_BALL, [True] * 10, boxes_at(np.arange(10))), (BLUE_BOX, half, boxes_at([40] * 10)))
    assert causality.check(NO_FRAMES, HIT, hidden) == Verdict(
        "causality", INCONCLUSIVE, "red ball or blue box seen too little to judge", {})
    just = [True] * 5 + [False] * 5  # exactly half is enough to judge
    assert causality.check(NO_FRAMES, HIT, tracked((RED_BALL, [True] * 10, boxes_at(np.arange(10))),
                                                   (BLUE_BOX, just, boxes_at([40] * 10)))).status == FAIL


def test_left_right_relation_measures_the_offset_and_the_agreement():
    from eval.probes import left_right

    right_of = Expectation(objects=(RED_BALL, BLUE_BOX), relation="right")
    xs = [30.123, 30.123, 30.123, 10.0]  # 3 of 4 frames right of the box at x = 20 (centre 23.5)
    scene = tracked((RED_BALL, [True] * 4, boxes_at(xs)), (BLUE_BOX, [True] * 4, boxes_at([20.0] * 4)))
    verdict = left_right.check(NO_FRAMES, right_of, scene)
    assert verdict == Verdict("left_right", FAIL, "red ball is to the right of blue box (+10.1 px); expected right",
                              {"offset_px": 10.12, "agree": 0.75, "expected": "right"})
    apart = tracked((RED_BALL, [True, True, False, False], boxes_at(xs)), (BLUE_BOX, [False, False, True, True], boxes_at(xs)))
    assert left_right.check(NO_FRAMES, right_of, apart) == Verdict(
        "left_right", INCONCLUSIVE, "red ball and blue box never seen together", {})
    level = tracked((RED_BALL, [True] * 4, boxes_at([20.0] * 4)), (BLUE_BOX, [True] * 4, boxes_at([20.0] * 4)))
    assert left_right.check(NO_FRAMES, right_of, level).status == INCONCLUSIVE  # an offset of 0 is no side at all
    nearly = tracked((RED_BALL, [True] * 4, boxes_at([20.0, 20.0, 20.0, 21.0])), (BLUE_BOX, [True] * 4, boxes_at([20.0] * 4)))
    assert left_right.check(NO_FRAMES, right_of, nearly).measured["agree"] == 0.25  # level frames are not to the right


def test_left_right_travel_measures_the_world_motion_and_the_camera():
    from eval.probes import left_right

    moving = Expectation(objects=(RED_BALL,), direction="right")
    pan = np.stack([np.linspace(0, -9.0, 10), np.zeros(10)], axis=1)  # the background slides left 9 px
    scene = tracked((RED_BALL, [True] * 10, boxes_at(np.linspace(10, 20.1234, 10))), camera=pan)
    verdict = left_right.check(NO_FRAMES, moving, scene)
    assert verdict == Verdict("left_right", PASS, "red ball moves right 19.1 px (camera removed)",
                              {"travel_px": 19.12, "travel_share": 0.299, "camera_px": -9.0, "expected": "right"})
    brief = tracked((RED_BALL, [True] * 2 + [False] * 8, boxes_at(np.arange(10))))
    assert left_right.check(NO_FRAMES, moving, brief) == Verdict(
        "left_right", INCONCLUSIVE, "red ball not seen long enough to measure its motion", {"frames_seen": 2})
    assert left_right.check(NO_FRAMES, Expectation(objects=(RED_BALL,)), scene) == Verdict(
        "left_right", INCONCLUSIVE, "the prompt names no left/right motion or relation", {})


def test_the_motion_mask_finds_a_moving_thing_under_a_panning_camera():
    """tracker._moving_mask (how a colourless subject is found): a textured background panning 2 px left
    and 1 px down a frame, and a square moving 2 px right; a pixel 40 above the background is still,
    41 above is moving."""
    from eval.probes.tracker import _moving_mask

    big = np.random.default_rng(0).integers(0, 150, (80, 80, 3)).astype(np.uint8)
    t, size, pad = 6, 48, 16
    camera = np.array([[-2.0 * i, 1.0 * i] for i in range(t)])  # (T, 2) x, y: the background's shift
    frames = np.empty((t, size, size, 3), np.uint8)
    truth = np.zeros((t, size, size), bool)
    for i, (cx, cy) in enumerate(camera.astype(int)):
        frames[i] = big[pad - cy : pad - cy + size, pad - cx : pad - cx + size]
        x0 = 14 + 2 * i
        square = frames[i, 16:21, x0 : x0 + 5].astype(int) + 100
        square[0, 0] -= 60  # 40 above the background
        square[0, 1] -= 59  # 41 above
        frames[i, 16:21, x0 : x0 + 5] = square
        truth[i, 16:21, x0 : x0 + 5] = True
        truth[i, 16, x0] = False
    inner = np.s_[:, 12:36, 12:36]  # away from the edges, where the pan brings in pixels no frame agrees on
    assert np.array_equal(_moving_mask(frames, camera)[inner], truth[inner])


STILL_BALL = Expectation(objects=(RED_BALL,))
HIDDEN_BALL = Expectation(objects=(RED_BALL,), occluded=True)


def ball_seen(present, **fields) -> "Observation":
    """The red ball at rest (box 8x8 at x = 20), present as given, with any track fields."""
    t = len(present)
    return tracked((RED_BALL, present, boxes_at([20.0] * t), {"areas": [64.0] * t, "copies": [1] * t, **fields}))


@pytest.mark.parametrize("present,fields,expectation,verdict", [
    ([False] * 4, {}, STILL_BALL, (INCONCLUSIVE, "red ball never seen", {})),
    ([True] * 5, {}, STILL_BALL, (PASS, "every object keeps its colour, size and count", {})),
    ([True] * 5, {"copies": [1, 2, 3, 1, 4]}, STILL_BALL,  # the most pieces within the run, not after it
     (FAIL, "red ball multiplies or splits: 3 pieces in frames 1-2", {"object": "red ball"})),
    ([True] * 5, {"copies": [1, 3, 1, 2, 2]}, STILL_BALL,  # a one-frame blip is encoding noise
     (FAIL, "red ball multiplies or splits: 2 pieces in frames 3-4", {"object": "red ball"})),
    ([True, True, False, False, True], {}, STILL_BALL,
     (FAIL, "red ball vanishes at frame 2 and comes back at frame 4", {"object": "red ball"})),
    ([True, True, True, False, False], {}, STILL_BALL,
     (FAIL, "red ball vanishes at frame 3 inside the view", {"object": "red ball"})),
    ([True, False, False, True, True], {}, STILL_BALL,
     (FAIL, "red ball vanishes at frame 1 and comes back at frame 3", {"object": "red ball"})),
    ([True, True, True, True, False], {}, STILL_BALL,
     (FAIL, "red ball vanishes at frame 4 inside the view", {"object": "red ball"})),
    ([True, True, True, False, False], {"border": [False, False, True, False, False]}, STILL_BALL,
     (PASS, "every object keeps its colour, size and count", {})),  # it left through the edge
    ([True, True, False, False, True], {"border": [False, True, False, False, False]}, STILL_BALL,
     (PASS, "every object keeps its colour, size and count", {})),  # out at the edge and back
    ([True, False, False, True, True], {}, HIDDEN_BALL,
     (PASS, "every object keeps its colour, size and count", {"hidden": [[1, 2]]})),
    ([False, True, True, False, False], {}, HIDDEN_BALL,
     (FAIL, "red ball goes out of sight at frame 3 and never comes back", {"hidden": [], "object": "red ball"})),
    ([True] * 4, {"areas": [100, 161, 100, 100]}, STILL_BALL,
     (FAIL, "red ball changes size (100 -> 161 px)", {"object": "red ball"})),
    ([True] * 4, {"areas": [100, 160, 100, 100]}, STILL_BALL, (PASS, "every object keeps its colour, size and count", {})),
    ([True] * 4, {"areas": [100, 900, 100, 100], "border": [False, True, False, False]}, STILL_BALL,
     (PASS, "every object keeps its colour, size and count", {})),  # only whole views are compared
    ([True] * 4, {"areas": [100, 900, 100, 100], "copies": [1, 2, 1, 1]}, STILL_BALL,
     (PASS, "every object keeps its colour, size and count", {})),
], ids=["never-seen", "steady", "split", "blip-then-split", "vanishes", "vanishes-at-end", "gap-after-frame-0",
        "vanishes-in-the-last-frame", "leaves-by-the-edge",
        "edge-and-back", "occluded-and-back", "occluded-for-good", "grows", "grows-within-tolerance",
        "size-at-the-border", "size-while-split"])
def test_permanence_verdicts_on_tracks_made_by_hand(present, fields, expectation, verdict):
    from eval.probes import permanence

    assert permanence.check(NO_FRAMES, expectation, ball_seen(present, **fields)) == Verdict("permanence", *verdict)


def test_permanence_compares_an_occluded_objects_extent_before_and_after():
    from eval.probes import permanence

    def widths(after: float) -> "Observation":  # 8 px square before it is hidden, `after` px after
        boxes = np.array([[20, 20, 27, 27], [0, 0, 0, 0], [20, 20, 20 + after - 1, 20 + after - 1]], float)
        return tracked((RED_BALL, [True, False, True], boxes, {"areas": [64, 0, 8 * after], "copies": [1, 0, 1]}))

    assert permanence.check(NO_FRAMES, HIDDEN_BALL, widths(11)) == Verdict(
        "permanence", FAIL, "red ball comes back at 138% of its size", {"hidden": [[1, 1]], "object": "red ball"})
    assert permanence.check(NO_FRAMES, HIDDEN_BALL, widths(6)).reason == "red ball comes back at 75% of its size"
    assert permanence.check(NO_FRAMES, HIDDEN_BALL, widths(10)).status == PASS  # 125%: within 1.3x


def test_permanence_names_objects_never_seen_and_strangers_that_stay():
    from eval.probes import permanence

    pair = Expectation(objects=(RED_BALL, BLUE_BOX))
    ball = (RED_BALL, [True] * 5, boxes_at([20.0] * 5), {"areas": [64.0] * 5, "copies": [1] * 5})
    absent = (BLUE_BOX, [False] * 5, np.zeros((5, 4)))
    assert permanence.check(NO_FRAMES, pair, tracked(ball, absent)) == Verdict(
        "permanence", PASS, "every object keeps its colour, size and count", {"never_seen": ["blue box"]})
    assert permanence.check(NO_FRAMES, STILL_BALL, tracked(ball, strangers=[1, 1, 2, 2, 1])) == Verdict(
        "permanence", FAIL, "an object nobody named appears from nowhere at frame 2", {"stranger_frames": [2, 3]})
    assert permanence.check(NO_FRAMES, STILL_BALL, tracked(ball, strangers=[0, 1, 2, 2, 0])).measured == {
        "stranger_frames": [1, 3]}  # counted against the first frame's
    split = (Thing("green", "ball"), [True] * 5, boxes_at([40.0] * 5), {"areas": [64.0] * 5, "copies": [1, 2, 2, 1, 1]})
    trio = Expectation(objects=(RED_BALL, BLUE_BOX, Thing("green", "ball")))
    assert permanence.check(NO_FRAMES, trio, tracked(ball, absent, split)) == Verdict(
        "permanence", FAIL, "green ball multiplies or splits: 2 pieces in frames 1-2",
        {"never_seen": ["blue box"], "object": "green ball"})  # an object never seen does not end the checks
    assert permanence.check(NO_FRAMES, STILL_BALL, tracked(ball, strangers=[0, 1, 0, 1, 0])).status == PASS



def shaped(fill: float, sag: float = 0.5, sides=(10, 10), t: int = 3, thing=RED_BALL, **fields) -> "Observation":
    """One object, whole in every frame, with this fill, sag and box size."""
    w, h = sides
    boxes = np.array([[20, 20, 20 + w - 1, 20 + h - 1]] * t, float)
    given = {"areas": [fill * w * h] * t, "copies": [1] * t, "fill": [fill] * t, "sag": [sag] * t, **fields}
    return tracked((thing, [True] * t, boxes, given))


@pytest.mark.parametrize("fill,sag,shape", [
    (0.6794, 0.5, ("triangle", 0.679)), (0.68, 0.5, ("ball", 0.68)), (0.8, 0.576, ("triangle", 0.8)),
    (0.8, 0.575, ("ball", 0.8)), (0.86, 0.5, ("ball", 0.86)), (0.8601, 0.5, ("unclear", 0.86)),
    (0.9099, 0.5, ("unclear", 0.91)), (0.91, 0.5, ("box", 0.91)), (1.0, 0.5, ("box", 1.0)),
])
def test_shape_thresholds_at_their_edges(fill, sag, shape):
    """Without masks (tracks built by hand), by fill alone."""
    from eval.probes.presence import shape_of

    assert shape_of(shaped(fill, sag).tracks[0]) == shape


def corner_masks(kind: str, side: int = 20, t: int = 3, cut: int = 0) -> np.ndarray:
    """(t, 32, 32) masks of a disc, or of a square with `cut` pixels taken off each corner diagonally."""
    ys, xs = np.mgrid[:32, :32]
    if kind == "disc":
        one = (xs - 15.5) ** 2 + (ys - 15.5) ** 2 <= (side / 2) ** 2
    else:
        inside = (xs >= 6) & (xs < 6 + side) & (ys >= 6) & (ys < 6 + side)
        u, v = np.minimum(xs - 6, 5 + side - xs), np.minimum(ys - 6, 5 + side - ys)  # distance in from each side
        one = inside & (u + v >= cut)
    return np.repeat(one[None], t, axis=0)


@pytest.mark.parametrize("kind,cut,fill,shape", [
    ("disc", 0, 0.79, "ball"), ("square", 0, 1.0, "box"), ("square", 3, 0.95, "box"),
    ("square", 6, 0.88, "unclear"),  # corners cut off by a third of the way in: neither a ball's nor a box's
    ("disc", 0, 0.88, "unclear"),  # a round mask fuller than a ball (a box blurred round): its fill says not a ball
])
def test_a_ball_leaves_its_box_corners_empty_and_a_box_fills_them(kind, cut, fill, shape):
    from eval.probes.presence import corners_of, shape_of, whole_frames

    track = replace(shaped(fill).tracks[0], masks=corner_masks(kind, cut=cut))
    assert shape_of(track)[0] == shape
    if kind == "disc":
        assert corners_of(track, whole_frames(track)) <= 0.35


def test_shape_and_aspect_are_judged_on_whole_large_views_only():
    from eval.probes.presence import aspect_of, shape_of, whole_frames

    track = shaped(0.95, sides=(16, 10)).tracks[0]
    assert aspect_of(track) == 1.6 and whole_frames(track).all()
    small = shaped(0.95, sides=(7, 10)).tracks[0]  # 7 px: too small to judge (8 is enough)
    assert (shape_of(small), aspect_of(small)) == ((None, None), None)
    assert shape_of(shaped(0.95, sides=(8, 8)).tracks[0]) == ("box", 0.95)
    hidden = shaped(0.95, areas=[100, 79, 80]).tracks[0]  # under 80% of its largest view: partly hidden
    assert whole_frames(hidden).tolist() == [True, False, True]
    # At the border: not whole. Another region of its colour elsewhere (a towel behind the ball): still whole.
    odd = shaped(0.95, border=[True, False, False], copies=[1, 2, 1]).tracks[0]
    assert whole_frames(odd).tolist() == [False, True, True]
    assert aspect_of(shaped(0.95, sides=(12, 9)).tracks[0]) == 1.33  # rounded to 2 places


def test_presence_verdicts_name_each_problem():
    from eval.probes import presence
    from eval.probes.tracker import Observation

    pair = Expectation(objects=(RED_BALL, BLUE_BOX))
    ball, box = shaped(0.79).tracks[0], shaped(0.95, thing=BLUE_BOX).tracks[0]

    def scene(*tracks):
        return Observation((64, 64), np.zeros((3, 2)), tracks, np.zeros(3))

    assert presence.check(NO_FRAMES, pair, scene(ball, box)) == Verdict("presence", PASS, "red ball, blue box present", {
        "red ball": {"seen": 1.0, "shape": "ball", "fill": 0.79, "aspect": 1.0},
        "blue box": {"seen": 1.0, "shape": "box", "fill": 0.95, "aspect": 1.0}})
    gone = replace(box, present=np.zeros(3, bool))
    rare = replace(box, present=np.array([True, False, False]))
    half = replace(shaped(0.95, thing=BLUE_BOX, t=4).tracks[0], present=np.array([True, True, False, False]))
    assert presence.check(NO_FRAMES, pair, scene(ball, gone)).reason == "no blue box anywhere"
    verdict = presence.check(NO_FRAMES, pair, scene(ball, rare))
    assert verdict.reason == "blue box seen in only 33% of frames" and verdict.measured["blue box"]["seen"] == 0.333
    assert presence.check(NO_FRAMES, pair, Observation((64, 64), np.zeros((4, 2)), (shaped(0.79, t=4).tracks[0], half),
                                                       np.zeros(4))).status == PASS  # seen half the time is enough
    smeared = shaped(0.79, sides=(17, 10)).tracks[0]
    assert presence.check(NO_FRAMES, pair, scene(smeared, box)).reason == \
        "the red ball is smeared: its box is 1.7x longer than wide"
    assert presence.check(NO_FRAMES, pair, scene(shaped(0.79, sides=(16, 10)).tracks[0], box)).status == PASS
    boxy = shaped(0.97).tracks[0]
    assert presence.check(NO_FRAMES, pair, scene(boxy, gone)).reason == \
        "the red object looks like a box (fill 0.97), not a ball; no blue box anywhere"


FALLS = Expectation(objects=(RED_BALL,), falls=True)
DROP = list(10 + 1.2346 / 2 * np.arange(7) ** 2)  # 7 frames falling at 1.2346 px/frame^2 from y = 10 to 32.2228
FLOOR = DROP[-1]


def falling(ys, present=None) -> "Observation":
    """The red ball's centre at height ys (px, down is +), in every frame unless present says otherwise."""
    ys = np.asarray(ys, float)
    boxes = np.stack([np.full(len(ys), 16.5), ys - 3.5, np.full(len(ys), 23.5), ys + 3.5], axis=1)
    return tracked((RED_BALL, [True] * len(ys) if present is None else present, boxes))


@pytest.mark.parametrize("ys,verdict", [
    (DROP + [FLOOR - 4, FLOOR - 6, FLOOR - 6, FLOOR - 4, FLOOR, FLOOR - 2],
     (PASS, "red ball falls (1.23 px/frame^2) and bounces 2x, each lower",
      {"contact_frames": [6, 11], "accel_px_per_frame2": 1.235, "heights_px": [22.22, 6.0, 2.0], "sink_px": -4.0})),
    (DROP, (PASS, "red ball falls with downward acceleration 1.23 px/frame^2 (no bounce in the clip)",
            {"contact_frames": [], "accel_px_per_frame2": 1.235})),
    (DROP + [FLOOR - 4, FLOOR - 8, FLOOR - 8, FLOOR - 4, FLOOR, FLOOR - 6, FLOOR - 12, FLOOR - 12],
     (FAIL, "red ball bounces higher than before (8.0 -> 12.0 px): energy from nowhere",
      {"contact_frames": [6, 11], "accel_px_per_frame2": 1.235, "heights_px": [22.22, 8.0, 12.0]})),
    (DROP + [FLOOR - 4, FLOOR - 6, FLOOR - 4, FLOOR, FLOOR + 3, FLOOR + 8],
     (FAIL, "red ball sinks 1.2 px below the floor it bounced on",
      {"contact_frames": [6], "accel_px_per_frame2": 1.235, "heights_px": [22.22, 6.0], "sink_px": 1.21})),
    ([20, 30, 24, 22, 24, 28, 26], (INCONCLUSIVE, "red ball is not seen falling before its first bounce",
                                    {"contact_frames": [1, 5], "heights_px": [10.0, 8.0, 4.0], "sink_px": -2.0})),
], ids=["bounces-lower", "no-bounce", "bounces-higher", "sinks", "bounce-first"])
def test_gravity_verdicts_on_a_trajectory_made_by_hand(ys, verdict):
    from eval.probes import gravity

    assert gravity.check(NO_FRAMES, FALLS, falling(ys)) == Verdict("gravity", *verdict)


def test_gravity_rules_at_their_edges():
    from eval.probes import gravity

    def check(ys, present=None):
        return gravity.check(NO_FRAMES, FALLS, falling(ys, present))

    bounces = DROP + [FLOOR - 4, FLOOR - 8, FLOOR - 8, FLOOR - 4, FLOOR, FLOOR - 6]
    assert check(bounces + [FLOOR - 9, FLOOR - 9]).status == PASS  # 1 px higher: within tolerance
    assert check(bounces + [FLOOR - 9.01, FLOOR - 9.01]).status == FAIL
    sinking = DROP + [FLOOR - 4, FLOOR - 6, FLOOR - 4, FLOOR, FLOOR + 3]
    assert check(sinking + [FLOOR + 7.79]).status == PASS and check(sinking + [FLOOR + 7.8]).status == FAIL
    bump = [10, 10.5, 10, 12, 15, 19, 24, 30]  # up 0.5 px before any contact: jitter
    assert check(bump).status == PASS
    verdict = check([10, 10.51, 10, 12, 15, 19, 24, 30])
    assert (verdict.status, verdict.reason) == (FAIL, "red ball rises 0.5 px before touching anything (floats up)")
    steady = check(list(10 + 3.0 * np.arange(7)))
    assert (steady.status, steady.reason) == (FAIL, "red ball does not speed up downward (0.00 px/frame^2)")
    assert check(list(10 + 0.074 * np.arange(7) ** 2)).status == FAIL  # under 0.15 px/frame^2: not speeding up
    assert check(list(10 + 0.076 * np.arange(7) ** 2)).status == PASS
    assert check(DROP, [True] * 4 + [False] * 3) == Verdict("gravity", INCONCLUSIVE, "red ball seen in 4 frames; need 5", {})
    assert check(DROP, [True] * 5 + [False] * 2).status == PASS


def test_a_floor_contact_is_a_low_point_reached_and_left_by_more_than_0_6_px():
    from eval.probes.gravity import floor_contacts

    assert floor_contacts(np.array([0, 0.3, 0.61, 0.3, 0])) == [2]
    assert floor_contacts(np.array([0, 0.3, 0.6, 0.3, 0])) == []  # 2 x STILL is not enough
    assert floor_contacts(np.array([0, 0.61, 0.61, 0, 0])) == [2]  # the last of a level bottom
    assert floor_contacts(np.array([5, 0, 0.61, 0.61, 0])) == [3]  # came down within two frames
    assert floor_contacts(np.array([0, 2, 5, 1, 0, 3, 0])) == [2, 5]


# ---------------------------------------------------------------- the tracker's parts, on masks made by hand


def track_of_mask(thing, mask: np.ndarray, must_move: bool = False):
    """The tracker's own path for a given (T, H, W) mask, with a still camera: regions, chains, identity, track."""
    from eval.probes.tracker import _chains_of, _edges, _identify, _track

    camera = np.zeros((mask.shape[0], 2))
    drawn = np.repeat(mask[..., None] * np.uint8(200), 3, axis=-1)  # the mask drawn light on black: its outline is an edge
    labels, chains = _chains_of(mask, np.stack([_edges(frame) for frame in drawn]), None, camera, None)
    chosen, doubt = _identify(thing, chains, must_move, camera, mask.shape[1:])
    return _track(thing, chosen, chains, labels, doubt, camera, mask.shape[1:], 1.0, must_move, drawn, None)


def test_a_track_follows_its_region_through_gaps_and_counts_copies():
    mask = np.zeros((5, 32, 32), bool)
    mask[0, 12:17, 10:14] = True  # 4 wide, 5 high, inside: area 20
    mask[2, 3:6, 0:4] = True  # touches the left edge: area 12, too far to be linked, taken as the object again
    mask[3, 12:17, 10:14] = True  # the object, and a near-square copy 9/20 = 45% of its usual size
    mask[3, 25:28, 20:23] = True
    mask[3, 0:1, 30:32] = True  # 2 px: under the floor of 4, neither the object nor a copy
    mask[4, 20:21, 5:7] = True  # only 2 px: not seen
    track = track_of_mask(RED_BALL, mask)
    assert track.present.tolist() == [True, False, True, True, False]
    assert track.areas.tolist() == [20, 0, 12, 20, 0]
    assert track.boxes.tolist() == [[10, 12, 13, 16], [0, 0, 0, 0], [0, 3, 3, 5], [10, 12, 13, 16], [0, 0, 0, 0]]
    assert np.allclose(track.centres[[0, 2, 3]], [[11.5, 14], [1.5, 4], [11.5, 14]]) and np.isnan(track.centres[1]).all()
    assert track.border.tolist() == [False, False, True, False, False]
    assert track.copies.tolist() == [1, 0, 1, 2, 0]
    assert np.allclose(track.fill[[0, 2, 3]], 1.0) and np.allclose(track.sag[[0, 2, 3]], 0.5)
    assert track.thing == RED_BALL and track.usual_area == 20 and track.doubt is None
    assert track.masks[0].sum() == 20 and track.masks[3, 25:28, 20:23].sum() == 0  # its own pixels, not the copy's
    mask[3, 25:28, 20:23] = False
    mask[3, 25:27, 20:23] = True  # 3 wide, 2 high, still: a strip longer than any world shape (a towel), no copy
    assert track_of_mask(RED_BALL, mask).copies.tolist() == [1, 0, 1, 1, 0]


def test_a_track_measures_a_triangles_fill_and_sag():
    mask = np.zeros((1, 32, 32), bool)
    for row in range(5):  # an upward triangle: 1, 3, 5, 7, 9 pixels wide
        mask[0, 10 + row, 14 - row : 15 + row] = True
    track = track_of_mask(RED_BALL, mask)
    assert track.areas[0] == 25 and track.boxes[0].tolist() == [10, 10, 18, 14]
    assert track.fill[0] == pytest.approx(25 / 45)
    rows = np.repeat(np.arange(5), [1, 3, 5, 7, 9])
    assert track.sag[0] == pytest.approx(rows.mean() / 4)  # centroid row within the 5-row box
    square = np.zeros((1, 32, 32), bool)
    square[0, 8:10, 4:7] = True
    assert track_of_mask(RED_BALL, square).sag[0] == 0.5  # two rows high: the centroid halfway


def test_background_regions_are_not_taken_for_an_object():
    mask = np.zeros((6, 64, 64), bool)
    mask[:, 2:60, 2:40] = True  # a wall of colour: 35% of the frame
    mask[:, 50:53, 42:62] = True  # a strip: 20 x 3
    assert not track_of_mask(RED_BALL, mask).present.any()
    sparse = np.zeros((6, 64, 64), bool)
    sparse[:, 10:30:3, 10:30:3] = True  # texture: specks, each under the floor; joined they would be sparse
    assert not track_of_mask(RED_BALL, sparse).present.any()


def test_a_still_region_is_not_a_moving_subject_when_something_of_its_colour_moves():
    mask = np.zeros((8, 64, 64), bool)
    mask[:, 40:48, 40:48] = True  # a still square, bigger than the ball: a towel, a prop
    for i in range(8):
        mask[i, 4 + 4 * i : 10 + 4 * i, 10:16] = True  # the falling ball
    falling = track_of_mask(RED_BALL, mask, must_move=True)
    assert falling.present.all() and np.allclose(falling.centres[:, 0], 12.5)
    assert falling.copies.tolist() == [1] * 8  # the still square is background, not a copy
    still = track_of_mask(RED_BALL, mask)  # nothing says it moves: two regions from the start, unclear which
    assert still.doubt == "2 red regions of similar size from the start: which is the red ball is unclear"
    only_still = np.zeros((8, 64, 64), bool)
    only_still[:, 40:48, 40:48] = True  # a still square alone: not of a ball's build, so no candidate for the ball
    assert not track_of_mask(RED_BALL, only_still, must_move=True).present.any()
    yy, xx = np.mgrid[:64, :64]
    only_still[:] = (xx - 44) ** 2 + (yy - 44) ** 2 <= 20  # a still disc: a ball failing to move, or a prop
    failing = track_of_mask(RED_BALL, only_still, must_move=True)
    assert failing.present.all() and failing.still  # taken, and said never to move (presence: inconclusive)


def test_strangers_are_new_objects_of_unnamed_colours_inside_the_view():
    frames = np.full((8, 64, 64, 3), 200, np.uint8)
    frames[:, 10:18, 4:12] = (155, 70, 215)  # purple behind where the ball starts: revealed as it leaves
    for i in range(8):
        frames[i, 10:18, 4 + 5 * i : 12 + 5 * i] = (225, 45, 45)  # the named red ball, moving right
    frames[:, 40:48, 40:48] = (50, 185, 70)  # green from the first frame: there all along
    frames[4:, 40:48, 10:18] = (50, 90, 235)  # blue from frame 4, inside: from nowhere
    frames[2:, 54:64, 20:28] = (240, 225, 40)  # yellow from frame 2, at the bottom edge: came into view
    obs = observe(frames, Expectation(objects=(RED_BALL,), direction="right"))
    assert obs.strangers.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize("rgb, name", [
    ((225, 45, 45), "red"), ((230, 75, 30), "orange"), ((245, 130, 20), "orange"), ((120, 70, 30), None),
    ((235, 190, 160), None), ((240, 225, 40), "yellow"), ((50, 185, 70), "green"), ((0, 128, 128), None),
    ((135, 206, 235), "blue"), ((20, 20, 140), "blue"), ((50, 90, 235), "blue"), ((155, 70, 215), "purple"),
    ((255, 105, 180), None)])
def test_colour_names_cover_the_hue_circle_and_refuse_what_a_person_would_not_call_by_them(rgb, name):
    """What a person calls orange (230, 75, 30, hue 7) is not red; brown, skin, teal and pink carry no grammar
    name; sky blue and navy are blue."""
    from eval.probes.tracker import HUE_RANGES, Region, _carries_name, _colour_mask

    import cv2

    frame = np.full((1, 32, 32, 3), 128, np.uint8)
    frame[0, 8:20, 8:20] = rgb
    hsv = cv2.cvtColor(frame[0], cv2.COLOR_RGB2HSV)[None]
    coloured = (hsv[..., 1] >= 70) & (hsv[..., 2] >= 30)
    named = []
    for colour in HUE_RANGES:
        mask = _colour_mask(hsv, coloured, colour)  # (1, 32, 32)
        square = Region(frame=0, label=1, area=float(mask.sum()), centre=np.zeros(2), box=(8, 8, 19, 19), border=False)
        if mask.sum() >= 100 and _carries_name(hsv, mask.astype(np.int32), [square], colour)[0]:
            named.append(colour)
    assert named == ([name] if name else [])


def test_the_tracker_refuses_frames_it_cannot_read():
    from eval.probes.tracker import _check_frames

    with pytest.raises(ValueError) as wrong:
        _check_frames(np.zeros((2, 4, 4, 3), np.float32))
    assert str(wrong.value) == "frames: expected uint8 (T, H, W, 3), got float32 (2, 4, 4, 3)"
    with pytest.raises(ValueError, match=r"^frames: expected uint8 \(T, H, W, 3\), got uint8 \(2, 4, 4\)$"):
        _check_frames(np.zeros((2, 4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"got uint8 \(2, 4, 4, 4\)$"):
        _check_frames(np.zeros((2, 4, 4, 4), np.uint8))
    with pytest.raises(ValueError) as empty:
        _check_frames(np.zeros((0, 4, 4, 3), np.uint8))
    assert str(empty.value) == "frames: the video has no frames"


def test_runs_are_the_first_and_last_frame_of_each_stretch():
    from eval.probes.verdict import runs

    assert runs([False, True, True, False, True]) == [(1, 2), (4, 4)]
    assert runs([True, True]) == [(0, 1)] and runs([True]) == [(0, 0)]
    assert runs([]) == [] and runs([False, False]) == []
    assert runs(np.array([0, 2, 1, 0])) == [(1, 2)]  # anything truthy
    with pytest.raises(ValueError, match=r"status: expected one of \['pass', 'fail', 'inconclusive'\], got 'maybe'"):
        Verdict("presence", "maybe", "")


def test_causality_contact_edges():
    from eval.probes import causality

    # A gap of exactly half the striker's step plus 1.5 px (3.5 here) is a contact.
    assert causality.check(NO_FRAMES, HIT, strike(b_moves_from=9, box_at=43.5)).reason == \
        "contact at frame 8, blue box moves from frame 9 (4.0 px)"
    # A frame where the box is not seen is no contact, whatever its empty box says.
    unseen = strike(b_moves_from=9)
    ball, box = unseen.tracks
    box = replace(box, present=np.r_[False, box.present[1:]], boxes=np.r_[np.zeros((1, 4)), box.boxes[1:]])
    assert causality.check(NO_FRAMES, HIT, replace(unseen, tracks=(ball, box))).measured["contact_frame"] == 8
    # The box's start is where it was in the first two frames it was seen.
    jitter = strike(b_moves_from=9)
    ball, box = jitter.tracks
    moved = box.boxes + np.array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0])[:, None] * [1, 0, 1, 0]
    box = replace(box, boxes=moved, centres=(moved[:, :2] + moved[:, 2:]) / 2)
    assert causality.check(NO_FRAMES, HIT, replace(jitter, tracks=(ball, box))).measured["push_px"] == 3.5


def test_causality_with_a_striker_seen_in_few_frames():
    from eval.probes import causality

    def two_frames(ball_x1: float) -> "Observation":  # the ball only in frame 1: no step to allow for
        ball = np.array([[0, 20, 0, 20], [ball_x1 - 7, 20, ball_x1, 27]], float)
        return tracked((RED_BALL, [False, True], ball), (BLUE_BOX, [True, True], boxes_at([40.0, 40.0])))

    assert causality.check(NO_FRAMES, HIT, two_frames(38.5)).measured["contact_frame"] == 1  # gap 0.5
    assert causality.check(NO_FRAMES, HIT, two_frames(37.2)).measured["contact_frame"] is None  # gap 1.8 > 1.5
    four = tracked((RED_BALL, [False, False, True, True], boxes_at([0, 0, 26, 30])),  # 4 px a frame, twice
                   (BLUE_BOX, [True] * 4, boxes_at([40.0] * 4)))
    assert causality.check(NO_FRAMES, HIT, four).measured["contact_frame"] == 3  # gap 2.0: within its 4 px step


def test_without_texture_there_is_no_evidence_of_camera_motion():
    from eval.probes.tracker import camera_motion

    flat = np.zeros((3, 48, 48, 3), np.uint8)
    flat[:, 10:20, 10:20] = 200
    flat[1:, 10:20, 10:20] = 0
    flat[1, 10:20, 13:23] = 200
    flat[2, 10:20, 16:26] = 200
    assert not camera_motion(flat).any()  # a plain ground and one moving square: its edges are too few to read a pan from


def test_causality_verdicts_when_the_two_never_touch_or_only_just_move():
    from eval.probes import causality

    fled = causality.check(NO_FRAMES, HIT, strike(b_moves_from=7))  # the box leaves as fast as the ball comes
    assert fled == Verdict("causality", FAIL, "blue box moves (frame 7) though red ball never reaches it",
                           {"contact_frame": None, "onset_frame": 7, "closest_gap_px": 8.0, "push_px": 12.0})
    short = tracked((RED_BALL, [True] * 10, boxes_at(np.arange(10.0))), (BLUE_BOX, [True] * 10, boxes_at([40.0] * 10)))
    assert causality.check(NO_FRAMES, HIT, short) == Verdict(
        "causality", FAIL, "red ball and blue box never touch",
        {"contact_frame": None, "onset_frame": None, "closest_gap_px": 23.0, "push_px": 0.0})
    apart = tracked((RED_BALL, [True, True, False, False], boxes_at([0, 4, 0, 0])),
                    (BLUE_BOX, [False, False, True, True], boxes_at([0, 0, 40, 40])))
    assert causality.check(NO_FRAMES, HIT, apart).measured["closest_gap_px"] is None  # never seen together
    # Moving in the very frame of contact is not moving before it.
    assert causality.check(NO_FRAMES, HIT, strike(b_moves_from=8, push=2.0)).reason == \
        "contact at frame 8, blue box moves from frame 8 (4.0 px)"
    wide = replace(strike(b_moves_from=9, push=4.0), size=(64, 80))  # 5% of 80 px is exactly 4 px
    assert causality.check(NO_FRAMES, HIT, wide).status == PASS
    one = causality.check(NO_FRAMES, HIT, strike(b_moves_from=9, push=1.0))  # 1 px is not yet moving
    assert one.measured["onset_frame"] is None and one.reason == "red ball reaches blue box at frame 8 but it does not move"
    wider = replace(strike(b_moves_from=9, push=1.2), size=(64, 100))  # at 100 px, moving starts beyond 1.5 px
    assert causality.check(NO_FRAMES, HIT, wider).measured["onset_frame"] is None


def test_the_overlay_is_drawn_at_a_bounded_size():
    from eval.probes.overlay import drawing_scale

    assert drawing_scale(64, 64) == 4 and drawing_scale(480, 832) == 1 and drawing_scale(300, 300) == 3
    assert drawing_scale(1080, 2048) == 0.5  # larger than MAX_SIDE: shrunk to fit
    frames = np.zeros((2, 480, 832, 3), np.uint8)
    obs = observe(frames, Expectation(objects=(RED_BALL,)))
    assert draw(frames, obs, [], panel=False).shape == (2, 480, 832, 3)


# ---------------------------------------------------------------- following an object its colour alone loses


def moving_square(t: int = 6, seen: int = 2, later=None) -> tuple:
    """(frames (t, 32, 40, 3), masks, seen, red extent): a red 6x6 square on grey moving right 2 px a frame, its
    region given in the first `seen` frames; `later(frame, x)` redraws the frames after those."""
    frames = np.full((t, 32, 40, 3), 110, np.uint8)
    masks = np.zeros((t, 32, 40), bool)
    for i in range(t):
        x = 6 + 2 * i
        if i < seen or later is None:
            frames[i, 12:18, x:x + 6] = (210, 30, 30)
        else:
            later(frames[i], x)
        if i < seen:
            masks[i, 12:18, x:x + 6] = True
    red = (frames[..., 0] > 150) & (frames[..., 1] < 80)
    return frames, masks, np.arange(t) < seen, red


def test_following_finds_an_object_where_its_colour_alone_did_not():
    from eval.probes.follow import follow

    frames, masks, seen, red = moving_square()
    found = follow(frames, masks, seen, red, np.zeros((6, 2)))
    assert [(f.frame, f.shift, f.source) for f in found] == [(2, (2, 0), 1), (3, (4, 0), 1), (4, (6, 0), 1), (5, (8, 0), 1)]
    assert follow(frames, masks, seen, None, np.zeros((6, 2))) == []  # colourless: not followed


@pytest.mark.parametrize("later,why", [
    (lambda frame, x: None, "deleted"),
    (lambda frame, x: frame[12:18, x:x + 6].__setitem__(..., (30, 30, 210)), "recoloured"),
    # gone, over a patch of its own colour: the same pixels, but no outline of its own
    (lambda frame, x: frame[6:26, 2:38].__setitem__(..., (210, 30, 30)), "deleted over its own hue"),
])
def test_following_does_not_find_what_is_not_there(later, why):
    from eval.probes.follow import follow

    frames, masks, seen, red = moving_square(later=later)
    assert follow(frames, masks, seen, red, np.zeros((6, 2))) == [], why


def test_two_pieces_as_tall_as_the_object_beside_a_wall_are_one_object_seen_on_both_sides():
    from eval.probes.tracker import Region, _two_sides

    def piece(x0, x1, y0=10, y1=19):
        return Region(0, 1, float((x1 - x0 + 1) * (y1 - y0 + 1)), np.zeros(2), (x0, y0, x1, y1), False)

    assert _two_sides([piece(0, 3), piece(8, 13)], usual=100.0, tall=10.0)  # 40 + 60 px: no bigger than it
    assert not _two_sides([piece(0, 6), piece(8, 15)], usual=100.0, tall=10.0)  # 70 + 80 px: two of it
    assert not _two_sides([piece(0, 4, 10, 16), piece(8, 12, 10, 16)], usual=100.0, tall=10.0)  # 0.7 as tall: halves
    assert not _two_sides([piece(0, 3), piece(8, 13, 20, 29)], usual=100.0, tall=10.0)  # one above the other
    assert not _two_sides([piece(0, 3)], usual=100.0, tall=10.0)


@pytest.mark.parametrize("t", [1, 2, 5, 6, 49])
def test_the_still_background_is_each_pixels_median_over_time(t):
    """uint8 in, uint8 out; between the two middle values of an even count, rounded half up."""
    from eval.probes.tracker import _temporal_median

    frames = np.random.default_rng(t).integers(0, 256, (t, 4, 5, 3)).astype(np.uint8)
    got = _temporal_median(frames)
    assert got.dtype == np.uint8 and got.shape == (4, 5, 3)
    assert np.array_equal(got, np.floor(np.median(frames.astype(float), axis=0) + 0.5))
