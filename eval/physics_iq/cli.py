"""`python -m eval physics-iq`: score continuations against what really happened.

    --data DIR --generated MODEL_DIR --fps 30      videos made elsewhere, named as the benchmark names them
    --data DIR --model NAME --mode i2v|v2v --fps 24  generated here through the shared pipeline, each one
                                                   logged with its four measures (suite "physics-iq")
    --world --n 60 --model tinyworld               the world as a two-take set, beside the take-2 ceiling

Logged runs resume with --resume RUN; under `accelerate launch --num_processes N -m eval physics-iq ...`
the scenario views split across processes into one table, as `eval run` does (eval/run.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval.metrics.base import MetricResult
from eval.physics_iq import dataset, generate
from eval.physics_iq.measures import Measures
from eval.physics_iq.score import VIEWS, ViewResult, report
from eval.physics_iq.scorer import MASK_MODES, RealTakes, score_folder, window_frames
from eval.physics_iq.world_set import WorldSet, build

SUITE, WORLD_SUITE = "physics-iq", "physics-iq:world"
MEASURES = ("spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou", "mse")
METRIC = {name: f"physics_iq_{name}" for name in MEASURES}  # the table's metric names
SCORE_METRIC = "physics_iq_score"  # run level


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="the folder holding physics-IQ-benchmark/ and descriptions.csv")
    p.add_argument("--descriptions", help="descriptions.csv elsewhere than DIR")
    p.add_argument("--generated", help="a folder of continuations named as descriptions.csv's generated_video_name")
    p.add_argument("--model", help="a model card (python -m pipeline --list) to generate the continuations")
    p.add_argument("--mode", choices=generate.MODES, default="v2v", help="i2v from the switch frame, v2v from the clip")
    p.add_argument("--fps", type=int, default=30, help="the frame rate compared (the benchmark ships 8, 16, 24, 30)")
    p.add_argument("--seconds", type=float, default=5.0,
                   help="the window after the switch frame (the benchmark's is 5; other values are for other sets)")
    p.add_argument("--scenarios", help="comma-separated scenario names (default: all)")
    p.add_argument("--masks", choices=MASK_MODES, default="mp4v",
                   help="mp4v: the scorer's lossy round trip (leaderboard-comparable); memory: cleaner, not comparable")
    p.add_argument("--world", action="store_true",
                   help="the procedural world as a two-take, three-view set (built in --data DIR if given, and kept)")
    p.add_argument("--n", type=int, default=60, help="--world: scenes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, help="denoising steps (default: the card's)")
    p.add_argument("--weights", help="a local weights folder for the model")
    p.add_argument("--db", help="the table's SQLite file (default $SPACETIME_DB or runs/spacetime.db)")
    p.add_argument("--outputs", help="where generated videos go (default $SPACETIME_OUTPUTS or outputs/)")
    p.add_argument("--resume", type=int, help="finish an interrupted run")
    p.add_argument("--json", action="store_true", help="print the whole result as JSON")
    p.add_argument("--no-progress", action="store_true", help="no tqdm bar")


def main(args: argparse.Namespace) -> dict:
    if args.world:
        return world(args)
    if args.resume is not None:
        return logged(args, resume=args.resume)
    if not args.data:
        raise ValueError("--data: the folder holding physics-IQ-benchmark/ and descriptions.csv is required (or --world)")
    if bool(args.generated) == bool(args.model):
        raise ValueError("give exactly one of --generated MODEL_DIR (score videos made elsewhere) or --model NAME")
    if args.generated:
        return scored_folder(args)
    return logged(args)


def _scenarios(data: Path, descriptions: str | None, names: str | None) -> list[dataset.Scenario]:
    return dataset.select(dataset.read_descriptions(Path(descriptions) if descriptions else data / "descriptions.csv"), names)


def _check_fps(fps: int, seconds: float = 5.0) -> None:
    if not 1 <= fps <= 120:
        raise ValueError(f"--fps: expected 1 to 120 frames per second, got {fps}")
    if not 0 < seconds <= 60 or window_frames(fps, seconds) < 2:
        raise ValueError(f"--seconds: expected a window of 2 frames or more, up to 60 s, got {seconds}")


def scored_folder(args: argparse.Namespace) -> dict:
    """--generated: every scenario view's video in MODEL_DIR against the real takes."""
    _check_fps(args.fps, args.seconds)
    window = window_frames(args.fps, args.seconds)
    data, folder = Path(args.data), Path(args.generated)
    if not folder.is_dir():
        raise dataset.DataError(f"--generated: {folder.name} is not a folder of mp4 files")
    layout = dataset.Layout(data, args.fps)
    scenarios = _scenarios(data, args.descriptions, args.scenarios)
    results = score_folder(layout, scenarios, lambda s, view: dataset.generated_video(folder, s, view),
                           window, args.masks, progress=not args.no_progress)
    return summary(results, fps=args.fps, window=window, masks=args.masks)


def summary(results: list[ViewResult], **about) -> dict:
    """report() plus each scenario's measures (per-frame lists as their means) and how it was scored."""
    out = report(results)
    scenarios: dict[str, dict] = {}
    for r in results:
        entry = scenarios.setdefault(r.scenario, {"scenario": r.scenario, "category": r.category, "views": {}})
        entry["views"][r.view] = {"model": r.model.summary(), "physical_variance": r.variance.summary()}
    protocol = "leaderboard (mp4v masks)" if about.get("masks", "mp4v") == "mp4v" else "in-memory masks: NOT leaderboard-comparable"
    if about.get("window") != window_frames(about.get("fps", 30)):
        protocol += f"; a {about.get('window')}-frame window, not the benchmark's 5 s"
    return {**out, **about, "protocol": protocol, "per_scenario": list(scenarios.values())}


# ------------------------------------------------------------------ generation, logged to the table

def _metrics(r: ViewResult) -> dict[str, MetricResult]:
    """The four measures of one generation as table rows; the spatial IoU row's meta holds everything the
    score needs (both Measures), so a resumed or split run is scored from the table alone."""
    where = {"extractor": "none", "scenario": r.scenario, "view": r.view, "category": r.category}
    means = r.model.summary()
    return {METRIC[name]: MetricResult(float(means[name]), meta={
        **where, **({"model": r.model.to_dict(), "variance": r.variance.to_dict()} if name == "spatial_iou" else {})})
        for name in MEASURES}


def results_from_table(table, run_id: int) -> list[ViewResult]:
    rows = table.metrics(run_id)
    rows = rows[rows["metric"] == METRIC["spatial_iou"]]
    out = []
    for meta in rows["meta"]:
        m = json.loads(meta)
        out.append(ViewResult(m["scenario"], m["view"], m["category"], Measures(**m["model"]), Measures(**m["variance"])))
    return out


def logged(args: argparse.Namespace, resume: int | None = None, data: Path | None = None, window: int | None = None,
           suite: str = SUITE) -> dict:
    """Generate every scenario view's continuation, score it, log it; the main process scores the run."""
    from eval.run import _broadcast, _distributed, _is_main
    from eval.table import Table, new_generation_id, save_video
    from pipeline import load
    from pipeline.registry import get_card

    state = _distributed()
    table = Table(args.db)
    if resume is not None:
        runs = table.runs().set_index("id")
        if resume not in runs.index or not str(runs.loc[resume, "suite"]).startswith(SUITE):
            raise ValueError(f"--resume: run {resume} is not a Physics-IQ run in this table")
        settings, model, suite = json.loads(runs.loc[resume, "settings"]), runs.loc[resume, "model"], runs.loc[resume, "suite"]
        run_id = resume
    else:
        _check_fps(args.fps, args.seconds)
        model = args.model
        settings = {"data": str(data or Path(args.data).resolve()), "descriptions": args.descriptions, "mode": args.mode,
                    "fps": args.fps, "window": window or window_frames(args.fps, args.seconds), "masks": args.masks,
                    "scenarios": args.scenarios, "seed": args.seed, "steps": args.steps, "weights": args.weights}
        try:
            get_card(model)  # an unknown name fails before a run is opened
        except LookupError as error:
            raise ValueError(str(error).strip("'\"")) from None
        run_id = _broadcast(state, table.start_run(suite, model, settings) if _is_main(state) else None)
    layout = dataset.Layout(Path(settings["data"]), settings["fps"])
    scenarios = _scenarios(layout.data, settings["descriptions"], settings["scenarios"])
    card = get_card(model)
    one_thread_for_tiny(card)
    if args.no_progress:  # diffusers draws its own bar while loading components
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.disable_progress_bar()
    try:
        pipe = load(model, weights=settings["weights"])
    except FileNotFoundError as error:  # a card whose weights are not on this machine: the fetch command
        raise ValueError(str(error)) from None
    done = table.done_items(run_id)
    work = [(s, view) for s in scenarios for view in VIEWS]
    rank, size = (state.process_index, state.num_processes) if state else (0, 1)
    mine = [(s, v) for i, (s, v) in enumerate(work) if i % size == rank and (f"{s.name}/{v}", settings["seed"]) not in done]
    seconds = []
    for s, view in tqdm(mine, desc=f"physics-iq run {run_id} [{rank + 1}/{size}]", unit="view", disable=args.no_progress):
        real = RealTakes(layout, s, view, settings["window"], settings["masks"])
        request = generate.request_for(card, layout, s, view, settings["mode"], settings["window"], settings["fps"],
                                       settings["seed"], settings["steps"])
        start = time.perf_counter()
        result = pipe.generate(request)
        seconds.append(time.perf_counter() - start)
        frames = generate.continuation(result, settings["window"])
        generation_id = new_generation_id()
        path = save_video(frames, settings["fps"], generation_id, args.outputs)
        _, measures = real.score(path)  # the written file, decoded as the scorer decodes any model's video
        view_result = ViewResult(s.name, view, s.category, measures, real.variance)
        table.record(dataclasses.replace(result, frames=frames), path, generation_id=generation_id,
                     metrics=_metrics(view_result), run_id=run_id, item=f"{s.name}/{view}", category=s.category)
    if state:
        state.wait_for_everyone()
    if not _is_main(state):
        return {"run_id": run_id, "process": rank, "written": len(mine)}
    results = results_from_table(table, run_id)
    out = summary(results, fps=settings["fps"], window=settings["window"], masks=settings["masks"])
    table.finish_run(run_id, {SCORE_METRIC: MetricResult(out["score"], meta={
        "extractor": "none", "scenarios": out["scenarios"], "views": out["views"], "mode": settings["mode"],
        "physical_variance": out["physical_variance"], "by_view": {k: v["score"] for k, v in out["by_view"].items()},
        "by_category": {k: v["score"] for k, v in out["by_category"].items()}})})
    return {"run_id": run_id, "suite": suite, "model": model, "mode": settings["mode"],
            "seconds_per_generation": round(float(np.median(seconds)), 3) if seconds else None, **out}


def one_thread_for_tiny(card) -> None:
    """tinyworld's tensors are so small that a second torch thread only adds synchronisation; on a busy
    2-core machine OpenMP's barriers made a view's generation cost 20 CPU seconds instead of 1.2."""
    if card.backend == "tinyworld":
        import torch

        torch.set_num_threads(1)


# ------------------------------------------------------------------ the world

def world(args: argparse.Namespace) -> dict:
    """--world: n world scenes as a two-take set; the model continues each view; beside it the take-2
    ceiling (take 2 scored as a continuation) and a still baseline (the switch frame held)."""
    if args.n < 1:
        raise ValueError(f"--n: expected 1 or more scenes, got {args.n}")
    from eval.run import _distributed, _is_main

    sizes = WorldSet()
    clock = {}
    state = _distributed()
    if state and not args.data:
        raise ValueError("--data: under accelerate launch, --world needs a folder every process can read the set from")
    with tempfile.TemporaryDirectory(prefix="physics-iq-world-") as tmp:
        folder = Path(args.data) if args.data else Path(tmp)  # --data keeps the set (and lets --resume find it)
        start = time.perf_counter()
        if _is_main(state) and not (folder / "descriptions.csv").is_file():
            build(folder, args.n, args.seed, sizes)
        if state:
            state.wait_for_everyone()
        clock["build_set"] = time.perf_counter() - start
        layout = dataset.Layout(folder.resolve(), sizes.fps)
        scenarios = _scenarios(layout.data, None, None)
        world_args = argparse.Namespace(**{**vars(args), "model": args.model or "tinyworld", "fps": sizes.fps,
                                          "descriptions": None, "scenarios": None})
        start = time.perf_counter()
        result = logged(world_args, resume=args.resume, data=layout.data, window=sizes.window, suite=WORLD_SUITE)
        clock["generate_and_score"] = time.perf_counter() - start
        if "process" in result:
            return result
        start = time.perf_counter()
        ceiling = score_folder(layout, scenarios, lambda s, v: layout.testing(s, v, "take-2"), sizes.window,
                               args.masks, progress=False)
        still_dir = Path(tmp) / "still"
        still_dir.mkdir()
        still = score_folder(layout, scenarios, lambda s, v: _still(layout, s, v, sizes, still_dir), sizes.window,
                             args.masks, progress=False)
        clock["baselines"] = time.perf_counter() - start
    result.pop("per_scenario")
    return {**result, "n": len(scenarios), "ceiling_take2": report(ceiling)["score"], "still_baseline": report(still)["score"],
            "stage_seconds": {k: round(v, 1) for k, v in clock.items()}, "window_note":
            f"{sizes.window} frames at {sizes.fps} fps after an {sizes.conditioning}-frame conditioning clip, "
            f"rendered at {sizes.size} px and compared at {sizes.size // 4} px (the benchmark: 5 s, 3840x2160 / 4)"}


def _still(layout: dataset.Layout, s: dataset.Scenario, view: str, sizes: WorldSet, folder: Path) -> Path:
    """The last conditioning frame held for the window: what 'nothing moves' scores."""
    from pipeline.video_io import read_video, write_mp4

    frames, _ = read_video(layout.conditioning(s, view))
    return write_mp4(folder / s.generated[view], np.repeat(frames[-1:], sizes.window, axis=0), sizes.fps)


def print_summary(result: dict) -> str:
    """A few aligned lines for the terminal."""
    head = f"Physics-IQ score {result['score']}"
    if "run_id" in result:
        head += f"  ({result['model']}, {result['mode']}, run {result['run_id']}, {result['scenarios']} scenarios x 3 views)"
    lines = [head]
    if "ceiling_take2" in result:
        lines.append(f"  take-2 ceiling {result['ceiling_take2']}   still baseline {result['still_baseline']}")
    m, v = result["measures"], result["physical_variance"]
    lines.append(f"  {'measure':<22} {'model':>8} {'take 2':>8}")
    for name in MEASURES:
        lines.append(f"  {name:<22} {m[name]:>8.4f} {v[name]:>8.4f}")
    lines.append("  by view:     " + "  ".join(f"{k.removeprefix('perspective-')} {x['score']}" for k, x in result["by_view"].items()))
    lines.append("  by category: " + "  ".join(f"{k} {x['score']}" for k, x in result["by_category"].items()))
    if "window_note" in result:
        lines.append(f"  window: {result['window_note']}")
    if result.get("stage_seconds"):
        lines.append("  seconds: " + ", ".join(f"{k} {x}" for k, x in result["stage_seconds"].items()))
    return "\n".join(lines)
