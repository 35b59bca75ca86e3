"""Evaluation: every video measured and every measurement kept.

    python -m eval probe --video clip.mp4 --prompt "a red ball falls and bounces"
    python -m eval run --suite prompts/probes/physics.yaml --model tinyworld --seeds 2

    probes/       weight-free failure probes (presence, left/right, gravity, causality, permanence)
    metrics/      one file per metric (CLIP score, FVD, LPIPS, flicker, motion), extractors from a local cache
    table.py      the evaluation table (SQLite): generations, metrics, verdicts, runs; CSV/parquet export
    browse.py     the table filtered, sorted and paged; dashboard.py its plotly figures
    run.py        batch runs of a prompt suite; suites.py the suites' YAML
    fidelity.py   any model against the world's ground truth on held-out prompts; coverage.py every event

eval may import world (ground truth) and pipeline (to generate); neither imports eval.
Importing pipeline first installs its torchvision CPU shim, which metrics such as LPIPS need.
"""

import pipeline  # noqa: F401
