"""Command line for evaluation.

    python -m eval probe --video clip.mp4 --prompt "a red ball moves right and hits a blue box"
    python -m eval probe --video clip.mp4 --expect '{"objects": [{"colour": "red", "shape": "ball"}], "direction": "right"}'
    python -m eval probe --video clip.mp4 --prompt "a red ball falls and bounces" --overlay evidence.mp4

`probe` prints {"verdicts": [{"probe", "status", "reason", "measured"}, ...]}, one entry per
probe the expectation calls for. A world prompt gives its expectation through the world's
parser; a prompt outside the world's grammar needs --expect (JSON, or a YAML/JSON file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from eval.probes import PROBES
from eval.probes.overlay import draw
from eval.probes.tracker import observe
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
    observation = observe(frames, expectation)
    verdicts = [PROBES[name](frames, expectation, observation) for name in expectation.probes()]
    result = {"verdicts": [v.to_dict() for v in verdicts]}
    if args.overlay:
        result["overlay"] = str(write_mp4(args.overlay, draw(frames, observation, verdicts), fps=fps))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("probe", help="run the failure probes a prompt calls for on one video")
    p.add_argument("--video", required=True, help="mp4, webm, gif or png")
    p.add_argument("--prompt", help="a prompt in the world's grammar (English or Chinese)")
    p.add_argument("--expect", help="the expectation as JSON, or a .json/.yaml file holding it")
    p.add_argument("--overlay", help="also write the video with tracks, events and verdicts drawn on")
    args = parser.parse_args(argv)
    try:
        result = probe(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False, default=_jsonable))
    return 0


def _jsonable(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    sys.exit(main())
