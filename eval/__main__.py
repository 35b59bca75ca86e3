"""Command line for evaluation.

    python -m eval probe --video clip.mp4 --prompt "a red ball moves right and hits a blue box"
    python -m eval probe --video clip.mp4 --expect '{"objects": [{"colour": "red", "shape": "ball"}], "direction": "right"}'
    python -m eval probe --video clip.mp4 --prompt "a red ball falls and bounces" --overlay evidence.mp4

    python -m eval run --suite prompts/probes/left_right.yaml --model tinyworld --seeds 2 [--json]
    python -m eval run --resume 3
    python -m eval fetch clip i3d lpips
    python -m eval report --run 3 --out report.html
    python -m eval export --out table.csv [--run 3]
    python -m eval physics-iq --data DIR --generated MODEL_DIR --fps 30 --json
    python -m eval physics-iq --world --n 60 --model tinyworld

`probe` prints {"verdicts": [{"probe", "status", "reason", "measured"}, ...]}, one entry per
probe the expectation calls for. `run` is eval/run.py: generate, score, probe and record a suite
in the evaluation table ($SPACETIME_DB or --db, default runs/spacetime.db). A world prompt gives its expectation through the world's
parser; a prompt outside the world's grammar needs --expect (JSON, or a YAML/JSON file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from eval.probes import run_probes_with_evidence
from pipeline.video_io import read_video, write_mp4
from world import Expectation, parse


def expectation_from(prompt: str | None, expect: str | None) -> Expectation:
    """--expect wins (inline JSON, or a .json/.yaml file); otherwise the prompt is parsed."""
    if expect:
        path = Path(expect)
        text = path.read_text() if path.suffix in (".json", ".yaml", ".yml") and path.exists() else expect
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"--expect: expected a mapping with 'objects' and motion facts, got {text[:60]!r}")
        return Expectation.from_dict(data)
    if not prompt:
        raise ValueError("--prompt or --expect is required")
    return parse(prompt).expectation


def probe(args: argparse.Namespace) -> dict:
    frames, fps = read_video(args.video)
    expectation = expectation_from(args.prompt, args.expect)
    verdicts, drawn = run_probes_with_evidence(frames, expectation, draw_evidence=bool(args.overlay))
    result = {"verdicts": [v.to_dict() for v in verdicts]}
    if args.overlay:
        result["overlay"] = str(write_mp4(args.overlay, drawn, fps=fps))
    return result


def run(args: argparse.Namespace) -> dict:
    from eval.run import execute, print_table

    settings = {"steps": args.steps, "guidance": args.guidance, "frames": args.frames, "weights": args.weights}
    if args.size:
        width, _, height = args.size.partition("x")
        if not (width.isdigit() and height.isdigit()):
            raise ValueError(f"--size: {args.size!r} is not WxH, e.g. 64x64")
        settings.update(width=int(width), height=int(height))
    if args.seeds < 1:
        raise ValueError(f"--seeds: {args.seeds} is not 1 or more")
    try:
        result = execute(args.suite, args.model, args.seeds, settings, db=args.db, outputs=args.outputs,
                         resume=args.resume, progress=not args.no_progress)
    except KeyboardInterrupt:
        print("interrupted: every finished generation is in the table; finish with --resume <run id>", file=sys.stderr)
        raise SystemExit(130) from None
    if not args.json and "probes" in result:  # the main process prints the table; others their share
        print(print_table(result))
        raise SystemExit(0)
    return result


def fetch(args: argparse.Namespace) -> dict:
    from eval.metrics.extractors import fetch as fetch_one

    return {"fetched": {key: str(fetch_one(key)) for key in args.names}}


def report(args: argparse.Namespace) -> dict:
    from eval.dashboard import report as write_report
    from eval.table import Table

    return {"report": str(write_report(Table(args.db), args.run, args.out))}


def export(args: argparse.Namespace) -> dict:
    from eval.table import Table

    table = Table(args.db)
    return {"export": str(table.export(args.out, table.wide(args.run)))}


def physics_iq(args: argparse.Namespace) -> dict:
    from eval.physics_iq.cli import main as physics_iq_main, print_summary

    result = physics_iq_main(args)
    if not args.json and "process" not in result:
        print(print_summary(result))
        raise SystemExit(0)
    return result


def main(argv: list[str] | None = None) -> int:
    from eval.metrics.extractors import EXTRACTORS

    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("run", help="generate, score, probe and record every prompt of a suite")
    r.add_argument("--suite", help="a YAML suite under prompts/ or a text file of prompts, one a line")
    r.add_argument("--model", help="a model card (python -m pipeline --list)")
    r.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 for every prompt")
    r.add_argument("--steps", type=int)
    r.add_argument("--guidance", type=float)
    r.add_argument("--frames", type=int)
    r.add_argument("--size", help="WxH, one of the card's sizes")
    r.add_argument("--weights", help="a local weights folder for the model")
    r.add_argument("--db", help="the table's SQLite file (default $SPACETIME_DB or runs/spacetime.db)")
    r.add_argument("--outputs", help="where videos go (default $SPACETIME_OUTPUTS or outputs/)")
    r.add_argument("--resume", type=int, help="finish an interrupted run")
    r.add_argument("--json", action="store_true", help="print the summary as JSON")
    r.add_argument("--no-progress", action="store_true", help="no tqdm bar")
    f = commands.add_parser("fetch", help="download feature extractor weights into the cache (needs internet)")
    f.add_argument("names", nargs="+", choices=sorted(EXTRACTORS))
    rep = commands.add_parser("report", help="a self-contained plotly HTML report of one or more runs")
    rep.add_argument("--run", type=int, action="append", required=True)
    rep.add_argument("--out", required=True)
    rep.add_argument("--db")
    x = commands.add_parser("export", help="the table, one row per generation, as CSV or parquet")
    x.add_argument("--out", required=True, help="a .csv or .parquet path")
    x.add_argument("--run", type=int)
    x.add_argument("--db")
    p = commands.add_parser("probe", help="run the failure probes a prompt calls for on one video")
    p.add_argument("--video", required=True, help="mp4, webm, gif or png")
    p.add_argument("--prompt", help="a prompt in the world's grammar (English or Chinese)")
    p.add_argument("--expect", help="the expectation as JSON, or a .json/.yaml file holding it")
    p.add_argument("--overlay", help="also write the video with tracks, events and verdicts drawn on")
    from eval.physics_iq.cli import add_arguments as physics_iq_arguments

    physics_iq_arguments(commands.add_parser("physics-iq", help="Physics-IQ: continuations against what really "
                                             "happened (the benchmark's videos, a folder, or the world)"))
    args = parser.parse_args(argv)
    try:
        result = {"probe": probe, "run": run, "fetch": fetch, "report": report, "export": export,
                  "physics-iq": physics_iq}[args.command](args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if "process" in result:  # another process of an accelerate launch: the main one prints the summary
        print(f"process {result['process']}: wrote {result['written']} generations to run {result['run_id']}", file=sys.stderr)
        return 0
    print(json.dumps(result, indent=2, ensure_ascii=False, default=_jsonable))
    return 0


def _jsonable(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    sys.exit(main())
