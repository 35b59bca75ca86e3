"""The Physics-IQ score from every view's measures, as the published scorer aggregates them.

Source: `calculate_iq_score` in `code/calculate_iq_score.py` of google-deepmind/physics-IQ-benchmark
(Apache-2.0), which reads the per-scenario CSV that `calculate_and_write_metrics_to_csv.py` writes:

- per-frame values (spatiotemporal IoU, MSE, and their physical-variance twins) are rounded to 4
  decimals each (`parse_list_of_floats`) before anything is averaged;
- spatiotemporal IoU and MSE: per scenario, the mean over the frames of its three views put end to
  end; then the mean over scenarios;
- spatial and weighted spatial IoU: per view, the mean over scenarios; then the mean over views;
- physical variance (take 2 against take 1): per view, the mean over every frame (MSE,
  spatiotemporal IoU) or scenario (spatial, weighted spatial) of that view; then the mean over
  views; rounded to 4 decimals (spatial: 5);
- score = mean(spatiotemporal / its variance, spatial / its variance, weighted / its variance)
  - (MSE - MSE variance), x 100, clipped to 0..100, rounded to 2 decimals.

100 means "as close to take 1 as a second real take is". A breakdown (one view, one category) is
the same formula over its own rows, with its own physical variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eval.physics_iq.measures import Measures

VIEWS = ("perspective-left", "perspective-center", "perspective-right")


@dataclass(frozen=True)
class ViewResult:
    scenario: str  # e.g. "trimmed-ball-and-block-fall"
    view: str  # one of VIEWS
    category: str  # descriptions.csv's category, e.g. "Solid Mechanics"
    model: Measures  # the continuation against real take 1
    variance: Measures  # real take 2 against real take 1


def rounded(values: list[float]) -> list[float]:
    """Per-frame values rounded to 4 decimals with Python's round, as the scorer's CSV parser does."""
    return [round(float(v), 4) for v in values]


def _by(results: list[ViewResult], key: str) -> dict[str, list[ViewResult]]:
    groups: dict[str, list[ViewResult]] = {}
    for r in results:
        groups.setdefault(getattr(r, key), []).append(r)
    return groups


def _per_scenario_frames(results: list[ViewResult], field: str) -> float:
    """Mean over scenarios of the mean over the scenario's frames, its views end to end (in VIEWS order)."""
    means = []
    for rows in _by(results, "scenario").values():
        rows = sorted(rows, key=lambda r: VIEWS.index(r.view) if r.view in VIEWS else len(VIEWS))
        means.append(np.mean(np.concatenate([rounded(getattr(r.model, field)) for r in rows])))
    return float(np.mean(means))


def _per_view(results: list[ViewResult], value) -> float:
    """Mean over views of the mean over that view's rows of value(row)."""
    return float(np.mean([np.mean([value(r) for r in rows]) for rows in _by(results, "view").values()]))


def aggregate(results: list[ViewResult]) -> dict:
    """The score, its four measures and the physical variance over `results` (any subset of views)."""
    if not results:
        raise ValueError("results: no scenario views to score")
    measures = {
        "spatiotemporal_iou": _per_scenario_frames(results, "spatiotemporal_iou"),
        "spatial_iou": _per_view(results, lambda r: r.model.spatial_iou),
        "weighted_spatial_iou": _per_view(results, lambda r: r.model.weighted_spatial_iou),
        "mse": _per_scenario_frames(results, "mse"),
    }
    frames = lambda field: (lambda rows: np.mean(np.concatenate([rounded(getattr(r.variance, field)) for r in rows])))
    views = _by(results, "view").values()
    variance = {
        "spatiotemporal_iou": round(float(np.mean([frames("spatiotemporal_iou")(rows) for rows in views])), 4),
        "spatial_iou": round(_per_view(results, lambda r: r.variance.spatial_iou), 5),
        "weighted_spatial_iou": round(_per_view(results, lambda r: r.variance.weighted_spatial_iou), 4),
        "mse": round(float(np.mean([frames("mse")(rows) for rows in views])), 4),
    }
    zero = [name for name in ("spatiotemporal_iou", "spatial_iou", "weighted_spatial_iou") if variance[name] == 0]
    if zero:  # the scorer would divide by zero; say so rather than print inf
        score, why = None, f"the physical variance of {', '.join(zero)} is 0: the two real takes never overlap"
    else:
        ratio = np.mean([measures[k] / variance[k] for k in ("spatiotemporal_iou", "spatial_iou", "weighted_spatial_iou")])
        raw = (ratio - (measures["mse"] - variance["mse"])) * 100
        score, why = round(max(min(float(raw), 100.0), 0.0), 2), None
    out = {"score": score, "measures": measures, "physical_variance": variance,
           "physical_variance_all": round(variance["spatiotemporal_iou"] + variance["spatial_iou"]
                                          + variance["weighted_spatial_iou"] - variance["mse"], 4),
           "scenarios": len({r.scenario for r in results}), "views": len(results)}
    if why:
        out["why_no_score"] = why
    return out


def report(results: list[ViewResult]) -> dict:
    """aggregate() over everything, with per-view and per-category breakdowns."""
    return {**aggregate(results),
            "by_view": {view: aggregate(rows) for view, rows in _by(results, "view").items()},
            "by_category": {cat: aggregate(rows) for cat, rows in sorted(_by(results, "category").items())}}
