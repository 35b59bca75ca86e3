"""Physics-IQ on the world without the table: what eval.fidelity reports (`--physics-iq N`).

The same set, generation and scoring as `python -m eval physics-iq --world` (cli.py), for a pipeline
already loaded, with nothing logged: n scenes x 3 views continued from their conditioning clips
(v2v) and scored, beside the take-2 ceiling and the still baseline.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from eval.physics_iq import dataset, generate
from eval.physics_iq.score import VIEWS, ViewResult, report
from eval.physics_iq.scorer import RealTakes
from eval.physics_iq.world_set import WorldSet, build
from pipeline.video_io import read_video, write_mp4


def score_world(pipe, n: int, seed: int = 0, steps: int | None = None, mode: str = "v2v", masks: str = "mp4v") -> dict:
    """-> {"score", "ceiling_take2", "still_baseline", "measures", "physical_variance", "n"}."""
    from eval.physics_iq.cli import one_thread_for_tiny

    one_thread_for_tiny(pipe.card)
    sizes = WorldSet()
    with tempfile.TemporaryDirectory(prefix="physics-iq-world-") as tmp:
        folder = build(Path(tmp) / "set", n, seed, sizes)
        layout = dataset.Layout(folder, sizes.fps)
        made = Path(tmp) / "made"
        made.mkdir()
        model, ceiling, still = [], [], []
        for s in dataset.read_descriptions(folder / "descriptions.csv"):
            for view in VIEWS:
                real = RealTakes(layout, s, view, sizes.window, masks)
                request = generate.request_for(pipe.card, layout, s, view, mode, sizes.window, sizes.fps, seed, steps)
                frames = generate.continuation(pipe.generate(request), sizes.window)
                _, measures = real.score(write_mp4(made / f"{s.generated[view]}", frames, sizes.fps))
                model.append(ViewResult(s.name, view, s.category, measures, real.variance))
                _, measures = real.score(layout.testing(s, view, "take-2"))
                ceiling.append(ViewResult(s.name, view, s.category, measures, real.variance))
                conditioning, _ = read_video(layout.conditioning(s, view))
                held = write_mp4(made / f"still-{s.generated[view]}", np.repeat(conditioning[-1:], sizes.window, axis=0),
                                 sizes.fps)
                _, measures = real.score(held)
                still.append(ViewResult(s.name, view, s.category, measures, real.variance))
    out = report(model)
    return {"score": out["score"], "ceiling_take2": report(ceiling)["score"], "still_baseline": report(still)["score"],
            "measures": {k: round(v, 4) for k, v in out["measures"].items()}, "physical_variance": out["physical_variance"],
            "by_category": {k: v["score"] for k, v in out["by_category"].items()}, "n": n, "mode": mode}
