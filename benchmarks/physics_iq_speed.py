"""Benchmark: the time to score one Physics-IQ scenario (3 views, 5 s at 30 fps, 3840x2160 videos).

    .venv/bin/python benchmarks/physics_iq_speed.py
    .venv/bin/python benchmarks/physics_iq_speed.py --width 1920 --height 1080 --repeats 3

Writes a synthetic scenario in a temporary folder, laid out as the benchmark's: per view, real take 1
and take 2 (H.264, as the benchmark's testing videos), their mask videos (mp4v, as the benchmark ships
them in video-masks/real) and a model's continuation (H.264). Objects are discs moving across a
textured background; take 2 is shifted by 2 px, the continuation moves differently. Writing them is
setup and is not timed. Then, per view, as eval.physics_iq scores it:

- decode: the three videos read with OpenCV and resized to a quarter (960x540), and the two real mask
  videos read back at that size;
- masks: the continuation's motion masks made at full size, written with mp4v and read back (the
  time of decoding it with masks, less the time of decoding it without);
- score: the four measures of the continuation against take 1 in the three views, and the score with
  its breakdowns (median of --repeats; wall and CPU seconds, with the load average, since a shared
  machine's other jobs stretch wall time);
- physical variance: the same measures of take 2 against take 1, timed apart: they depend only on the
  real videos, so they are made once per scenario and shared by every model scored on it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.physics_iq import masks as mk  # noqa: E402
from eval.physics_iq.measures import compare, counts  # noqa: E402
from eval.physics_iq.score import VIEWS, ViewResult, report  # noqa: E402
from eval.physics_iq.video import decode  # noqa: E402


def synthetic(width: int, height: int, frames: int, shift: float, speed: float, seed: int):
    """Yields uint8 (H, W, 3) BGR frames: three discs crossing a fixed texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = (150 + 30 * np.sin(xx / 37.0) * np.cos(yy / 23.0)).astype(np.uint8)
    base = np.repeat(texture[..., None], 3, axis=2)
    starts = rng.uniform(0.1, 0.5, (3, 2)) * (width, height)
    radius = height / 20
    colours = rng.integers(0, 120, (3, 3))
    for t in range(frames):
        frame = base.copy()
        for (x0, y0), colour in zip(starts, colours):
            cx, cy = x0 + shift + speed * t * width / 300, y0 + 0.5 * speed * t * height / 300
            x1, x2 = int(max(cx - radius, 0)), int(min(cx + radius, width))
            y1, y2 = int(max(cy - radius, 0)), int(min(cy + radius, height))
            if x2 > x1 and y2 > y1:
                inside = (xx[y1:y2, x1:x2] - cx) ** 2 + (yy[y1:y2, x1:x2] - cy) ** 2 <= radius**2
                frame[y1:y2, x1:x2][inside] = colour
        yield frame


def write_h264(path: Path, frames, width: int, height: int, fps: int) -> None:
    writer = imageio_ffmpeg.write_frames(str(path), (width, height), fps=fps, codec="libx264", pix_fmt_in="bgr24",
                                         output_params=["-preset", "ultrafast", "-crf", "18"], macro_block_size=1)
    writer.send(None)
    for frame in frames:
        writer.send(np.ascontiguousarray(frame))
    writer.close()


def write_masks(path: Path, frames, width: int, height: int, fps: int) -> None:
    masker, writer = mk.MotionMasker(), mk.MaskWriter(path, fps, width, height)
    for frame in frames:
        writer.write(masker(frame))
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=3840)
    parser.add_argument("--height", type=int, default=2160)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    w, h, fps, n = args.width, args.height, args.fps, args.fps * args.seconds
    size = (w // 4, h // 4)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        for v, view in enumerate(VIEWS):
            for take, shift in (("take-1", 0.0), ("take-2", 2.0)):
                write_h264(tmp / f"{view}_{take}.mp4", synthetic(w, h, n, shift, 1.0, v), w, h, fps)
                write_masks(tmp / f"{view}_{take}_mask.mp4", synthetic(w, h, n, shift, 1.0, v), w, h, fps)
            write_h264(tmp / f"{view}_model.mp4", synthetic(w, h, n, 0.0, 0.7, v), w, h, fps)
        print(f"setup (writing 9 videos and 6 mask videos at {w}x{h}, {n} frames): {time.perf_counter() - start:.1f} s")
        seconds = {"decode": 0.0, "masks": 0.0}
        views = {}
        for view in VIEWS:
            start = time.perf_counter()
            take1 = decode(tmp / f"{view}_take-1.mp4", size, n, masks=None)
            take2 = decode(tmp / f"{view}_take-2.mp4", size, n, masks=None)
            masks1 = mk.read_masks(tmp / f"{view}_take-1_mask.mp4", size, n)
            masks2 = mk.read_masks(tmp / f"{view}_take-2_mask.mp4", size, n)
            plain = time.perf_counter()
            model_plain = decode(tmp / f"{view}_model.mp4", size, n, masks=None)
            seconds["decode"] += time.perf_counter() - start
            start, plain = time.perf_counter(), time.perf_counter() - plain
            model = decode(tmp / f"{view}_model.mp4", size, n, masks="mp4v")
            seconds["masks"] += time.perf_counter() - start - plain  # less its decoding, counted above
            assert np.array_equal(model.frames, model_plain.frames)
            views[view] = (take1.frames, masks1, take2.frames, masks2, model.frames, model.masks)

        def variance():  # take 2 against take 1: once per scenario, shared by every model scored on it
            return {view: (counts(m1), compare(f1, m1, f2, m2)) for view, (f1, m1, f2, m2, _, _) in views.items()}

        def score(shared):  # a continuation's four measures in the three views, and the score
            return report([ViewResult("synthetic", view, "Solid Mechanics", compare(f1, m1, fg, mg, shared[view][0]),
                                      shared[view][1]) for view, (f1, m1, _, _, fg, mg) in views.items()])

        variance_times, times, cpu = [], [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            shared = variance()
            variance_times.append(time.perf_counter() - start)
            start, start_cpu = time.perf_counter(), time.process_time()
            out = score(shared)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    print(f"one scenario: 3 views x {n} frames at {w}x{h}, compared at {size[0]}x{size[1]}")
    print(f"  decode (3 videos + 2 real mask videos per view, resized): {seconds['decode']:.2f} s")
    print(f"  masks (the continuation's, made at {w}x{h}, mp4v round trip): {seconds['masks']:.2f} s")
    print(f"  score (4 measures against take 1, 3 views, the score and its breakdowns; median of {args.repeats}):"
          f" {np.median(times):.3f} s ({np.median(cpu):.3f} CPU s)")
    print(f"  load average while it ran: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"  physical variance (take 2 against take 1, 3 views; once per scenario for every model): "
          f"{np.median(variance_times):.3f} s")
    print(f"  score {out['score']}, spatiotemporal IoU {out['measures']['spatiotemporal_iou']:.4f}")


if __name__ == "__main__":
    main()
