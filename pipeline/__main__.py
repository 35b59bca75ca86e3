"""Generate videos from the command line, list the models, fetch weights.

    python -m pipeline --list
    python -m pipeline generate --model tinyworld --mode t2v --prompt "a red ball falls" --seed 0 --out clip.mp4
    python -m pipeline generate --model ltx-video --mode i2v --image first.png --prompt "..." --out clip.mp4
    python -m pipeline generate --model ltx-video --mode extend --video clip.mp4 --direction backward --keep 17 --out before.mp4
    python -m pipeline generate --model wan2.1-vace-1.3b --mode interpolate --image a.png --image b.png --out fill.mp4
    python -m pipeline generate --model tinyworld --mode edit --video src.mp4 --prompt "a blue ball falls" --strength 0.6 --out edit.mp4
    python -m pipeline generate --model tinyworld --prompt "a red ball" --frames 1 --out ball.png           # an image
    python -m pipeline generate --model ltx-video --weights /data/ltx --frames 20 --round ...   # 20 -> 17, with a note
    python -m pipeline fetch ltx-video                                                          # needs internet

`generate` writes the video (.mp4, .gif or a .png strip; one frame is always a .png image) and a JSON
sidecar beside it (same name,
.json): the resolved request, seed, timings, peak memory, weights hash and notes. A tqdm bar shows
the denoising steps. Errors (a bad value, missing weights, an unreadable file) print one line to
stderr and exit with status 2 (SPACETIME_DEBUG=1 shows the traceback instead).

Weights: --weights DIR, else $SPACETIME_WEIGHTS_<NAME> (e.g. SPACETIME_WEIGHTS_LTX_VIDEO), else the
card's folder or the Hugging Face cache filled by `fetch`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.registry import DIRECTIONS, MODELS, MODES, UNSUPPORTED, describe, get_card


def parse_size(text: str) -> tuple[int, int]:
    """'64x96' -> (64, 96): width x height."""
    try:
        w, h = text.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size: {text!r} is not WIDTHxHEIGHT, e.g. 64x64") from None


def parse_indices(text: str) -> tuple[int, ...]:
    """'0,8,16' -> (0, 8, 16)."""
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"keyframes: {text!r} is not comma-separated frame indices") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the model registry with capabilities")
    sub = parser.add_subparsers(dest="command")

    gen = sub.add_parser("generate", help="make a video")
    gen.add_argument("--model", required=True, choices=list(MODELS))
    gen.add_argument("--mode", default="t2v", choices=MODES)
    gen.add_argument("--prompt", required=True)
    gen.add_argument("--negative-prompt", default=None,
                     help="default: the model's recommended one (see --list); \"\" for none")
    gen.add_argument("--shift", type=float, help="flow shift (Wan); default: the card's rule for the size")
    gen.add_argument("--seed", type=int, default=None, help="default: drawn at random and reported")
    gen.add_argument("--steps", type=int)
    gen.add_argument("--guidance", type=float)
    gen.add_argument("--frames", type=int)
    gen.add_argument("--size", type=parse_size, help="WIDTHxHEIGHT")
    gen.add_argument("--fps", type=float)
    gen.add_argument("--image", action="append", default=[], help="i2v: the first frame; interpolate: repeat for each keyframe")
    gen.add_argument("--video", help="extend: the clip; interpolate: the keyframes as a clip; edit: the clip to edit")
    gen.add_argument("--strength", type=float, help="edit: how much of the clip is re-imagined, in (0, 1] (default: the card's)")
    gen.add_argument("--direction", default="forward", choices=DIRECTIONS)
    gen.add_argument("--keep", type=int, help="extend: input frames kept as conditioning")
    gen.add_argument("--keyframes", type=parse_indices, help="interpolate: output index of each keyframe, e.g. 0,8,16")
    gen.add_argument("--weights", help="a local weights folder for this model")
    gen.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    gen.add_argument("--round", action="store_true", help="round frames / size to the nearest allowed value (noted)")
    gen.add_argument("--join", action="store_true", help="extend: write the input clip with the new frames attached")
    gen.add_argument("--out", required=True, help="output .mp4, .gif or .png (a strip of frames)")

    fetch = sub.add_parser("fetch", help="download a model's weights (needs internet)")
    fetch.add_argument("name", choices=list(MODELS))
    fetch.add_argument("--dest", help="a folder to download into (default: the Hugging Face cache)")
    return parser


def _inputs(args) -> tuple[np.ndarray | None, np.ndarray | None, list[str]]:
    """The image / video arguments as arrays: (image (H, W, 3), video (T, H, W, 3), notes)."""
    from pipeline.video_io import fit_frames, read_video

    image = video = None
    notes: list[str] = []
    if args.video:
        video, fps = read_video(args.video)  # (T, H, W, 3)
        if args.mode == "edit" and args.fps is None:
            args.fps = fps  # an edit keeps its source's frame rate
    if args.mode == "interpolate" and args.image:
        if args.video:
            raise PipelineError("image: give keyframes either as --video or as --image ..., not both")
        # stacked into one keyframe clip, each fitted to the first image's size
        stills = [read_video(path)[0][0] for path in args.image]  # each (H, W, 3)
        h, w, _ = stills[0].shape
        fitted = []
        for path, still in zip(args.image, stills):
            frame, note = fit_frames(still[None], w, h)
            fitted.append(frame[0])
            if note:
                notes.append(f"image {path}: {note}")
        video = np.stack(fitted)  # (K, H, W, 3)
    elif args.image:
        if len(args.image) > 1:
            raise PipelineError(f"image: {len(args.image)} images given; mode {args.mode!r} takes one")
        image = read_video(args.image[0])[0][0]  # (H, W, 3)
    return image, video, notes


def _write(path: Path, frames: np.ndarray, fps: float, audio=None) -> None:
    """Write frames (and audio, a Soundtrack or None: mp4 only) by the suffix of path."""
    from pipeline.video_io import write_gif, write_mp4, write_png_strip

    suffix = path.suffix.lower()
    if suffix == ".mp4":
        write_mp4(path, frames, fps, audio=audio)
    elif suffix == ".gif":
        write_gif(path, frames, min(fps, 50.0))
    elif suffix == ".png":
        write_png_strip(path, frames)
    else:
        raise PipelineError(f"out: {str(path)!r} must end with .mp4, .gif or .png")


def generate(args) -> None:
    from tqdm import tqdm

    from pipeline.api import load
    from pipeline.request import GenerationRequest
    from pipeline.weights import locate

    out = Path(args.out)
    if out.suffix.lower() not in (".mp4", ".gif", ".png"):
        raise PipelineError(f"out: {args.out!r} must end with .mp4, .gif or .png")
    card = get_card(args.model)
    if card.capability(args.mode, args.direction).support == UNSUPPORTED:  # what it cannot do, before its weights
        GenerationRequest(mode=args.mode, prompt=args.prompt, direction=args.direction).resolve(card)  # raises why
    locate(card, args.weights)  # unknown names and missing weights fail before heavy imports
    image, video, notes = _inputs(args)
    _quiet_libraries()
    width, height = args.size or (None, None)
    request = GenerationRequest(
        mode=args.mode, prompt=args.prompt, negative_prompt=args.negative_prompt, seed=args.seed,
        steps=args.steps, guidance=args.guidance, frames=args.frames, width=width, height=height, fps=args.fps,
        image=image, video=video, direction=args.direction, keep=args.keep, keyframes=args.keyframes,
        shift=args.shift, strength=args.strength)
    pipe = load(args.model, weights=args.weights, device=args.device)
    bars = []  # made at the first step, so that a request refused by validation prints only its error

    def progress(step: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc=f"{args.model} {args.mode}", unit="step", file=sys.stderr))
        bars[0].update(step - bars[0].n)

    try:
        result = pipe.generate(request, progress=progress, round_to_allowed=args.round)
    finally:
        for bar in bars:
            bar.close()
    frames = result.joined() if args.join else result.frames
    if len(frames) == 1 and out.suffix.lower() != ".png":
        out = out.with_suffix(".png")
        notes.append(f"one frame: written as an image, {out.name}")
    audio = result.audio if out.suffix.lower() == ".mp4" and not args.join else None
    if result.audio is not None and audio is None:
        notes.append(f"sound: not written ({'it was made for the new frames only' if args.join else out.suffix + ' holds no sound'})")
    _write(out, frames, result.fps, audio)
    sidecar = out.with_suffix(".json")
    summary = {"output": out.name, "joined": bool(args.join), "input_notes": notes, **result.summary()}
    tmp = sidecar.with_name(f".{sidecar.name}.tmp")
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    os.replace(tmp, sidecar)
    for note in notes + result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {out} ({len(frames)} frames, seed {result.seed}, {result.timings['total']:.2f} s) and {sidecar.name}")


def _quiet_libraries() -> None:
    """diffusers / transformers log loading bars and advice; the CLI shows its own progress."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    for lib in (diffusers_logging, transformers_logging):
        lib.set_verbosity_error()
        lib.disable_progress_bar()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.list:
            print("\n\n".join(describe(card) for card in MODELS.values()))
        elif args.command == "generate":
            generate(args)
        elif args.command == "fetch":
            from huggingface_hub.utils import logging as hub_logging

            from pipeline.weights import FETCH_RECORD, fetch

            hub_logging.set_verbosity_error()  # its retry warnings; an unreachable Hub is one line below

            folder = fetch(get_card(args.name), args.dest)
            print(f"{args.name}: weights in {folder}" + (f" (commit and weights hash in {FETCH_RECORD})"
                                                         if (folder / FETCH_RECORD).is_file() else ""))
        else:
            parser.print_usage(sys.stderr)
            return 2
    except (PipelineError, ValueError, OSError) as e:  # the user's to fix: one line, no traceback
        if os.environ.get("SPACETIME_DEBUG"):
            raise
        print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
