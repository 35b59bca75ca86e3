"""The probe prompt suites load, agree with the parser, and their world prompts pass on truth.

    .venv/bin/python -m pytest -q tests/test_probe_suites.py
"""

import pytest

from eval.probes import run_probes
from eval.probes.verdict import PASS
from eval.suites import load_probe_suite, probe_suites
from world import parse
from world.render import make_clip

CATEGORIES = {"physics": "gravity", "left_right": "left_right", "causality": "causality", "permanence": "permanence"}


def test_one_suite_per_category_each_with_world_and_natural_prompts():
    suites = probe_suites()
    assert set(suites) == set(CATEGORIES)
    for name, entries in suites.items():
        kinds = {e.kind for e in entries}
        assert kinds == {"world", "natural"}, name
        assert any("\u4e00" <= ch <= "\u9fff" for e in entries for ch in e.prompt), f"{name} has a Chinese prompt"
        if name != "permanence":  # every permanence entry calls for permanence, which all do
            assert all(CATEGORIES[name] in e.expectation.probes() for e in entries), name


def test_world_prompts_pass_their_probes_on_ground_truth():
    for entries in probe_suites().values():
        for entry in (e for e in entries if e.kind == "world"):
            clip = make_clip(parse(entry.prompt).spec, seed=1)
            statuses = {v.probe: v.status for v in run_probes(clip.frames, entry.expectation)}
            assert set(statuses.values()) == {PASS}, (entry.id, statuses)


def test_a_wrong_written_expectation_is_caught(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "entries:\n  - {id: x, kind: world, prompt: a red ball moves right,"
        " expect: {objects: [{colour: red, shape: ball}], direction: left}}\n"
    )
    with pytest.raises(ValueError, match="bad.yaml: entry x: the written expectation differs"):
        load_probe_suite(bad)


def test_unknown_keys_are_named(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - {id: y, kind: natural, prompt: p, expect: {objects: [{colour: red}], speed: 3}}\n")
    with pytest.raises(ValueError, match="unknown keys \\['speed'\\]"):
        load_probe_suite(bad)
