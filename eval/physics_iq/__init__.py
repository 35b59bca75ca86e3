"""Physics-IQ: does a continuation move the way the real event did? The field's weight-free score.

    python -m eval physics-iq --data DIR --generated MODEL_DIR --fps 30 --json
    python -m eval physics-iq --data DIR --model ltx-video --mode v2v --fps 24
    python -m eval physics-iq --world --n 60 --model tinyworld

The protocol of google-deepmind/physics-IQ-benchmark (Apache-2.0; Motamed et al. 2025, "Do generative
video models understand physical principles?", arXiv:2501.09038), re-implemented here from its
published scorer (`code/binary_mask_generator.py`, `code/calculate_and_write_metrics_to_csv.py`,
`code/calculate_iq_score.py`, `code/run_physics_iq.py`); no code is copied.

    masks.py      motion masks (grey, blur, running-average background, threshold, opening, closing)
                  and the mp4v write-and-read-back that leaderboard scores depend on
    video.py      one OpenCV decoding pass per video: frames at a quarter size, masks at full size
    measures.py   spatial, spatiotemporal and weighted spatial IoU, MSE
    score.py      the physical variance normalisation, rounding and clipping; per-view and per-category
    dataset.py    the benchmark's folders and descriptions.csv
    scorer.py     a folder of continuations against the real takes
    world_set.py  the procedural world as a Physics-IQ set (two takes, three views)
    cli.py        `python -m eval physics-iq`: score, or generate through the shared pipeline and log
"""

from eval.physics_iq.measures import Measures, compare
from eval.physics_iq.score import VIEWS, ViewResult, aggregate, report

__all__ = ["VIEWS", "Measures", "ViewResult", "aggregate", "compare", "report"]
