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
