"""Batch evaluation runs: every prompt of a suite x seeds, generated, scored, probed, in the table.

    python -m eval run --suite prompts/probes/left_right.yaml --model tinyworld --seeds 2
    python -m eval run --suite prompts.txt --model tinyworld --json          # one prompt a line
    python -m eval run --resume 3                                             # finish run 3
    accelerate launch --num_processes 2 -m eval run --suite ... --model tinyworld

Each (prompt, seed) goes through the shared pipeline, its mp4 is written, then its row, metrics
and verdicts go into the table in one transaction, so Ctrl-C or a crash keeps every finished
generation and `--resume ID` does the rest. Under `accelerate launch` each process takes every
N-th item and writes its own rows; the main process creates the run and, when all are done,
computes the run-level metrics (FVD against the world's ground-truth clips for the same prompts
and seeds) and the summary.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from eval.metrics import GENERATION, METRICS, RUN, MetricResult, Scorer
from eval.probes import run_probes
from eval.suites import is_edit_suite, load_edit_suite, load_probe_suite
from eval.table import Table, new_generation_id, save_video
from pipeline import load
from pipeline.request import GenerationRequest
from pipeline.video_io import read_video
from world import Expectation, parse
from world.render import make_clip


@dataclass(frozen=True)
class Item:
    id: str  # unique within the suite
    prompt: str
    expectation: Expectation | None  # what the probes check; None: no probe applies
    world: bool  # the prompt is in the world's grammar: it has ground-truth clips
    source: str | None = None  # an edit: the world prompt whose clip (at the run's seed) is edited to `prompt`
    strength: float | None = None  # an edit's strength


def load_items(path: str | Path) -> list[Item]:
    """A probe or edit suite (YAML under prompts/) or a text file of prompts, one a line (# comments)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--suite: {path} is not a file; give a YAML suite from prompts/ or a text file of prompts")
    if path.suffix in (".yaml", ".yml") and is_edit_suite(path):
        return [Item(e.id, e.prompt, e.expectation, True, e.source, e.strength) for e in load_edit_suite(path)]
    if path.suffix in (".yaml", ".yml"):
        return [Item(p.id, p.prompt, p.expectation, p.kind == "world") for p in load_probe_suite(path)]
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        prompt = line.strip()
        if not prompt or prompt.startswith("#"):
            continue
        try:
            expectation, world = parse(prompt).expectation, True
        except ValueError:
            expectation, world = None, False
        items.append(Item(f"line-{number}", prompt, expectation, world))
    if not items:
        raise ValueError(f"--suite: {path} has no prompts")
    return items


def world_truth(item: Item, seed: int, frames: int, width: int, height: int) -> np.ndarray | None:
    """The world's own clip of a world prompt at this seed and size: the reference for FVD."""
    if not item.world:
        return None
    return make_clip(parse(item.prompt).spec, seed=seed, frames=frames, width=width, height=height).frames


def generate_item(pipe, table: Table, scorer: Scorer, item: Item, seed: int, settings: dict, run_id: int,
                  category: str, outputs: str | None, stages: dict[str, float] | None = None) -> str:
    """One (prompt, seed): generate, write the video, score and probe it, record it. -> generation id.
    stages: seconds per stage, added to (generate, video, metrics, probes, table)."""
    clock = _Clock(stages if stages is not None else {})
    request = GenerationRequest("t2v", item.prompt, seed=seed, steps=settings.get("steps"),
                                guidance=settings.get("guidance"), frames=settings.get("frames"),
                                width=settings.get("width"), height=settings.get("height"))
    if item.source is not None:  # an edit of the world's own clip of the source prompt, at this seed
        d = pipe.card.defaults
        frames, width, height = (settings.get(k) or getattr(d, k) for k in ("frames", "width", "height"))
        source = make_clip(parse(item.source).spec, seed=seed, frames=frames, width=width, height=height).frames
        request = replace(request, mode="edit", video=source, strength=item.strength, frames=None)
    result = clock("generate", pipe.generate, request)
    generation_id = new_generation_id()
    path = clock("video", save_video, result.frames, result.fps, generation_id, outputs)
    metrics = clock("metrics", lambda: {name: scorer.score(name, [result.frames], [item.prompt])
                                        for name, metric in METRICS.items() if metric.level == GENERATION})
    verdicts = clock("probes", lambda: run_probes(result.frames, item.expectation) if item.expectation else [])
    return clock("table", table.record, result, path, generation_id=generation_id, metrics=metrics,
                 verdicts=verdicts, run_id=run_id, item=item.id, category=category)


class _Clock:
    """clock(stage, fn, *args) runs fn and adds its wall time to stages[stage]."""

    def __init__(self, stages: dict[str, float]):
        self.stages = stages

    def __call__(self, stage: str, fn, *args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - start


def run_metrics(table: Table, scorer: Scorer, items: list[Item], run_id: int) -> dict[str, MetricResult]:
    """Run-level metrics over the run's videos as written (H.264, as any evaluation reads them)."""
    by_id = {i.id: i for i in items}
    videos, references = [], []
    for row in table.generations(run_id).itertuples():
        item = by_id.get(row.item)
        truth = world_truth(item, row.seed, row.frames, row.width, row.height) if item else None
        if truth is not None:
            videos.append(read_video(row.video_path)[0][:, : row.height, : row.width])
            references.append(truth)
    prompts = [""] * len(videos)
    reference = references if references else None
    return {name: scorer.score(name, videos, prompts, reference=reference)
            for name, metric in METRICS.items() if metric.level == RUN}


def summary(table: Table, run_id: int, errors: list[dict] | None = None) -> dict:
    """What a run found: per-probe pass rates, metric means with their extractors, FVD with n, and
    every unavailable metric with its reason."""
    run = table.runs().set_index("id").loc[run_id]
    gens = table.generations(run_id)
    metrics = table.metrics(run_id)
    verdicts = table.verdicts(run_id)
    probes = {}
    for probe, group in verdicts.groupby("probe"):
        probes[probe] = {"pass_rate": round(float((group["status"] == "pass").mean()), 4), "n": len(group),
                         "fail": int((group["status"] == "fail").sum()),
                         "inconclusive": int((group["status"] == "inconclusive").sum())}
    means, run_level, unavailable = {}, {}, {}
    for name, group in metrics.groupby("metric"):
        values = group["value"].dropna()
        if group["unavailable"].notna().any():
            unavailable[name] = group["unavailable"].dropna().iloc[-1]
        if not len(values):
            continue
        if METRICS.get(name) is not None and METRICS[name].level == RUN or group["generation_id"].isna().all():
            meta = json.loads(group.iloc[-1]["meta"])
            run_level[name] = {"value": round(float(values.iloc[-1]), 4), "extractor": group.iloc[-1]["extractor"],
                               **{k: meta[k] for k in ("n_generated", "n_reference", "note") if k in meta}}
        else:
            means[name] = {"mean": round(float(values.mean()), 4), "n": len(values), "extractor": group.iloc[-1]["extractor"]}
    seconds = [json.loads(t)["total"] for t in gens["timings"]]
    return {"run_id": int(run_id), "suite": run["suite"], "model": run["model"], "settings": json.loads(run["settings"]),
            "generations": len(gens), "finished": bool(pd.notna(run["finished_at"])),
            "seconds_per_generation": round(float(np.mean(seconds)), 3) if seconds else None,
            "probes": probes, "metrics": means, "run_metrics": run_level, "unavailable": unavailable,
            "errors": errors or []}


def execute(suite: str | None, model: str | None, seeds: int, settings: dict, *, db: str | None = None,
            outputs: str | None = None, resume: int | None = None, progress: bool = True,
            weights: str | None = None) -> dict:
    """The whole run (or this process's share of it, under accelerate launch). -> summary(...)."""
    state = _distributed()
    table = Table(db)
    if resume is not None:
        runs = table.runs().set_index("id")
        if resume not in runs.index:
            raise ValueError(f"--resume: run {resume} is not in {table.path}; runs there: {list(runs.index)}")
        saved = json.loads(runs.loc[resume, "settings"])
        suite, model, seeds, settings = runs.loc[resume, "suite"], runs.loc[resume, "model"], saved["seeds"], saved
        run_id = resume
    else:
        if not suite or not model:
            raise ValueError("--suite and --model are required (or --resume ID)")
        settings = {**settings, "seeds": seeds}
        run_id = _broadcast(state, table.start_run(str(suite), model, settings) if _is_main(state) else None)
    items = load_items(suite)
    category = Path(suite).stem
    if not progress:  # diffusers draws its own bar while loading components
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.disable_progress_bar()
    pipe = load(model, weights=weights or settings.get("weights"))
    scorer = Scorer()
    done = table.done_items(run_id)
    work = [(item, seed) for item in items for seed in range(seeds)]
    rank, world_size = (state.process_index, state.num_processes) if state else (0, 1)
    mine = [(item, seed) for index, (item, seed) in enumerate(work) if index % world_size == rank
            and (item.id, seed) not in done]
    errors, stages = [], {}
    for item, seed in tqdm(mine, desc=f"run {run_id} [{rank + 1}/{world_size}]", disable=not progress, unit="clip"):
        try:
            generate_item(pipe, table, scorer, item, seed, settings, run_id, category, outputs, stages)
        except ValueError as error:  # a prompt the model refuses: reported, the run goes on
            errors.append({"item": item.id, "seed": seed, "error": str(error).split(". The world understands")[0]})
    if state:
        state.wait_for_everyone()
    if not _is_main(state):
        return {"run_id": run_id, "process": rank, "written": len(mine) - len(errors), "errors": errors}
    start = time.perf_counter()
    table.finish_run(run_id, run_metrics(table, scorer, items, run_id))
    stages["run_metrics"] = time.perf_counter() - start
    return {**summary(table, run_id, errors), "stage_seconds": {k: round(v, 3) for k, v in stages.items()}}


def _distributed():
    """accelerate's PartialState when launched with several processes, else None."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    from accelerate import PartialState

    return PartialState(cpu=True)


def _is_main(state) -> bool:
    return state is None or state.is_main_process


def _broadcast(state, value):
    if state is None:
        return value
    from accelerate.utils import broadcast_object_list

    return broadcast_object_list([value])[0]


def print_table(result: dict) -> str:
    """The summary as a few aligned lines for the terminal."""
    lines = [f"run {result['run_id']}: {result['model']} on {result['suite']}, {result['generations']} generations"
             f" ({result['seconds_per_generation']} s each)"]
    for probe, p in result["probes"].items():
        lines.append(f"  probe  {probe:<18} pass {p['pass_rate']:>7.1%}  of {p['n']}")
    for name, m in result["metrics"].items():
        lines.append(f"  metric {name:<18} mean {m['mean']:>9.4f}  [{m['extractor']}] of {m['n']}")
    for name, m in result["run_metrics"].items():
        lines.append(f"  run    {name:<18} {m['value']:>14.4f}  [{m['extractor']}] n = {m.get('n_generated')} vs "
                     f"{m.get('n_reference')}")
    for name, why in result["unavailable"].items():
        lines.append(f"  unavailable {name}: {why}")
    for error in result["errors"]:
        lines.append(f"  refused {error['item']} seed {error['seed']}: {error['error']}")
    return "\n".join(lines)
