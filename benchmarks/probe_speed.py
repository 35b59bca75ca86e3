"""What judging a clip costs: every probe a prompt calls for, and the evidence overlay, on a real model's
size (49 frames of 480x832, a realistic render through H.264) and on tinyworld's (16 frames of 64x64).
Prints the median seconds of --repeat runs and the growth of the process's peak resident memory.
Targets (issue 44): 480x832 probing <= 0.5 s, overlay <= 2 s, peak growth <= 500 MB; 64x64 no slower
than before.

    .venv/bin/python benchmarks/probe_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.probes import run_probes, run_probes_with_evidence  # noqa: E402
from pipeline.video_io import read_video, write_mp4  # noqa: E402
from world import parse  # noqa: E402
from world.render import make_clip  # noqa: E402

PROMPT = "a blue box moves right and hits a yellow ball"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def timed(work, repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    parsed = parse(PROMPT)
    clips = {
        "49 x 480x832 (realistic, H.264)": make_clip(parsed.spec, seed=0, frames=49, width=832, height=480, fps=16,
                                                     style="real"),
        "16 x 64x64 (the world)": make_clip(parsed.spec, seed=0, frames=16, width=64, height=64),
    }
    for name, clip in clips.items():
        with tempfile.TemporaryDirectory() as folder:
            frames = read_video(write_mp4(Path(folder) / "clip.mp4", clip.frames, fps=clip.fps))[0]
        run_probes(frames, parsed.expectation)  # warm: imports, OpenCV's first calls
        before = peak_mb()
        probing = timed(lambda: run_probes(frames, parsed.expectation), args.repeat)
        overlay = timed(lambda: run_probes_with_evidence(frames, parsed.expectation), args.repeat) - probing
        drawn = run_probes_with_evidence(frames, parsed.expectation)[1]
        print(f"{name}: probing {probing:.3f} s, overlay {overlay:.3f} s (drawn {drawn.shape[2]}x{drawn.shape[1]}), "
              f"peak memory +{peak_mb() - before:.0f} MB")


if __name__ == "__main__":
    main()
