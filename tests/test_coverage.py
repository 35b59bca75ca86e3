"""The coverage grid: every event x shape x colour, prompts that say what the scene is, rates and failures.

    .venv/bin/python -m pytest -q tests/test_coverage.py
"""

from __future__ import annotations

import pytest

from eval.coverage import LANGUAGES, cell_spec, grid_cells, main, summarise
from eval.probes import run_probes
from eval.probes.verdict import Verdict
from world import PALETTE, expectation_for, parse, short_prompt
from world.render import make_clip
from world.spec import EVENT_OBJECTS, EVENTS, SHAPES


def test_the_grid_is_every_event_shape_and_colour():
    cells = grid_cells()
    assert len(cells) == len(EVENTS) * len(SHAPES) * len(PALETTE) == len(set(cells))
    assert {e for e, _, _ in cells} == set(EVENTS) and {"still"} <= {e for e, _, _ in cells}


@pytest.mark.parametrize("event", EVENTS)
def test_each_cell_is_the_plainest_scene_and_its_prompts_say_so(event):
    for _, shape, colour in [c for c in grid_cells() if c[0] == event]:
        spec = cell_spec(event, shape, colour)
        assert (spec.subject.shape, spec.subject.colour) == (shape, colour)
        assert len(spec.objects) == EVENT_OBJECTS[event][0] and spec.pan is None
        assert cell_spec(event, shape, colour) == spec  # the same grid on every run
        for lang in LANGUAGES:
            assert parse(short_prompt(spec, lang)).expectation == expectation_for(spec), (lang, spec)


def test_the_world_passes_presence_in_every_still_cell():
    for _, shape, colour in [c for c in grid_cells() if c[0] == "still"]:
        spec = cell_spec("still", shape, colour)
        verdicts = run_probes(make_clip(spec, seed=0).frames, expectation_for(spec))
        assert any(v.probe == "presence" and v.status == "pass" for v in verdicts), (shape, colour)


def row(event: str, shape: str, lang: str, present: bool, seed: int = 0) -> dict:
    verdict = Verdict("presence", "pass" if present else "fail", "r")
    return {"event": event, "shape": shape, "colour": "red", "lang": lang, "seed": seed,
            "prompt": f"{shape} {event} {lang}", "verdicts": [verdict], "truth_verdicts": [Verdict("presence", "pass", "r")]}


def test_summary_rates_by_event_shape_language_and_the_failures():
    rows = [row("still", "ball", "en", True), row("still", "ball", "en", False, 1), row("still", "box", "zh", False),
            row("fall", "box", "en", True), row("fall", "box", "zh", True)]
    report = summarise(rows, "m", None, (0, 1))
    assert report["presence"] == 0.6 and report["ground_truth_presence"] == 1.0
    assert report["presence_by_event_and_language"] == {"still en": 0.5, "still zh": 0.0, "fall en": 1.0, "fall zh": 1.0}
    assert report["lowest_event_presence"] == 0.0
    assert report["by_shape"]["ball"]["presence"] == 0.5 and report["by_shape"]["box"]["presence"] == round(2 / 3, 4)
    assert report["failing"] == ["ball still en (seed 1)", "box still zh (seed 0)"]


def test_one_seed_is_refused():
    with pytest.raises(SystemExit):
        main(["--seeds", "0", "0"])
