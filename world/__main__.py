"""Command line for the world: render a prompt to a clip, or show how a prompt is understood.

    python -m world render --prompt "a red ball falls and bounces" --seed 0 --frames 16 --size 64x64 --out clip.mp4
    python -m world render --style real --prompt "a red ball falls" --size 832x480 --frames 49 --fps 16 --out real.mp4
    python -m world parse --prompt "红色的球从右向左移动"
    python -m world sample --n 5 --seed 0

This file is the world's front door, not part of the library: like app.py it sits on top and
may use pipeline.video_io to write the file. The world's own modules import neither pipeline
nor eval.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from world import detailed_caption, expectation_for, parse, sample_spec, short_prompt
from world.render import STYLES, make_clip


def parse_size(text: str) -> tuple[int, int]:
    """'96x64' -> (96, 64), width first."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size: expected WIDTHxHEIGHT such as 64x64, got {text!r}") from None
    return width, height


def render(args: argparse.Namespace) -> dict:
    from pipeline.video_io import write_mp4  # the one mp4 writer; see the module docstring

    parsed = parse(args.prompt)
    width, height = args.size
    clip = make_clip(parsed.spec, seed=args.seed, frames=args.frames, width=width, height=height, fps=args.fps,
                     style=args.style)
    path = write_mp4(args.out, clip.frames, fps=args.fps)
    events = clip.truth.events
    return {
        "out": str(path),
        "caption": parsed.caption,
        "frames": args.frames,
        "size": [width, height],
        "fps": args.fps,
        "seed": args.seed,
        "style": args.style,
        "expectation": parsed.expectation.to_dict(),
        "events": {
            "contact_frame": events.contact_frame,
            "bounce_frames": list(events.bounce_frames),
            "hidden_frames": list(events.hidden_frames) if events.hidden_frames else None,
            "reappear_frame": events.reappear_frame,
            "pan_px_per_frame": round(events.pan_px_per_frame, 4),
        },
    }


def show_parse(args: argparse.Namespace) -> dict:
    parsed = parse(args.prompt)
    return {
        "language": parsed.language,
        "caption": parsed.caption,
        "spec": repr(parsed.spec),
        "expectation": parsed.expectation.to_dict(),
        "probes": list(parsed.expectation.probes()),
    }


def sample(args: argparse.Namespace) -> list[dict]:
    rng = np.random.default_rng(args.seed)
    out = []
    for _ in range(args.n):
        spec = sample_spec(rng)
        out.append(
            {
                "short_en": short_prompt(spec, "en"),
                "short_zh": short_prompt(spec, "zh"),
                "caption_en": detailed_caption(spec, "en"),
                "probes": list(expectation_for(spec).probes()),
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m world", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("render", help="render a prompt to an mp4 (H.264, yuv420p)")
    r.add_argument("--prompt", required=True)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--frames", type=int, default=16)
    r.add_argument("--size", type=parse_size, default=(64, 64),
                   help="WIDTHxHEIGHT, multiples of 8 from 32 to 256 (to 1280 in the realistic style)")
    r.add_argument("--fps", type=float, default=8.0)
    r.add_argument("--style", choices=STYLES, default="world",
                   help="world: the flat-coloured world the embedded model learnt; real: photo-like backgrounds, "
                        "shading, props, camera shake and noise (world/look.py), for validating the probes")
    r.add_argument("--out", required=True)
    p = commands.add_parser("parse", help="show the spec, caption and expectation of a prompt")
    p.add_argument("--prompt", required=True)
    s = commands.add_parser("sample", help="print random prompts of the world")
    s.add_argument("--n", type=int, default=5)
    s.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run = {"render": render, "parse": show_parse, "sample": sample}[args.command]
    try:
        result = run(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
