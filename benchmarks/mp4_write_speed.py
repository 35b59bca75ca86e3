"""Benchmark: writing one tinyworld clip as an mp4, as the app does before the page can show it.

    .venv/bin/python benchmarks/mp4_write_speed.py            # median of 15 writes each
    .venv/bin/python benchmarks/mp4_write_speed.py --writes 31

Times pipeline.video_io.write_mp4 (one ffmpeg run that reads every frame from a pipe) on the clip
of "a red ball falls and bounces" (seed 0, tinyworld's defaults: 16 frames at 64x64), against
imageio_ffmpeg.write_frames, the writer it replaced, given the same ffmpeg arguments; checks that
both files are byte for byte the same.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import imageio_ffmpeg  # noqa: E402
import numpy as np  # noqa: E402

from pipeline import GenerationRequest, load  # noqa: E402
from pipeline.video_io import DEFAULT_CRF, _BT709, write_mp4  # noqa: E402

PROMPT = "a red ball falls and bounces"


def with_write_frames(path: Path, frames: np.ndarray, fps: float) -> Path:
    """The same encode through imageio_ffmpeg.write_frames (frames (T, H, W, 3), even sizes)."""
    _, h, w, _ = frames.shape
    writer = imageio_ffmpeg.write_frames(str(path), (w, h), fps=fps, codec="libx264", pix_fmt_in="rgb24",
                                         pix_fmt_out="yuv420p", quality=None, macro_block_size=1,
                                         ffmpeg_log_level="error",
                                         output_params=["-crf", str(DEFAULT_CRF), "-vf", _BT709, "-movflags", "+faststart"])
    writer.send(None)
    for frame in frames:
        writer.send(np.ascontiguousarray(frame))
    writer.close()
    return path


def median_ms(write: Callable[[], object], writes: int) -> float:
    seconds = []
    for _ in range(writes):
        start = time.perf_counter()
        write()
        seconds.append(time.perf_counter() - start)
    return 1000 * statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=15, help="writes per writer (the median is reported)")
    args = parser.parse_args()
    result = load("tinyworld").generate(GenerationRequest("t2v", PROMPT, seed=0))
    frames, fps = result.frames, result.fps  # (16, 64, 64, 3) uint8
    with tempfile.TemporaryDirectory(prefix="mp4_write_speed-") as tmp:
        ours, theirs = Path(tmp) / "write_mp4.mp4", Path(tmp) / "write_frames.mp4"
        mine = median_ms(lambda: write_mp4(ours, frames, fps=fps), args.writes)
        other = median_ms(lambda: with_write_frames(theirs, frames, fps), args.writes)
        same = hashlib.sha256(ours.read_bytes()).digest() == hashlib.sha256(theirs.read_bytes()).digest()
    print(f"{frames.shape[0]} frames at {frames.shape[2]}x{frames.shape[1]}, median of {args.writes} writes each:")
    print(f"  write_mp4 (one ffmpeg run, frames from a pipe): {mine:.1f} ms")
    print(f"  imageio_ffmpeg.write_frames, same arguments:     {other:.1f} ms")
    print(f"  the two files are {'byte for byte the same' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
