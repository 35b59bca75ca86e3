"""Benchmark: how much an event loop that wakes up often slows a generation in the same process.

    .venv/bin/python benchmarks/queue_poll_cost.py            # 12 pairs per setting, on one core

The app's server runs the model in a worker thread while Gradio's event loop wakes up to look for
queued work (`sleep_when_free`) and to send progress (every 10 ms). Each wake-up takes the
interpreter from the model's thread. This times tinyworld's 8-step clip ("a red ball falls and
bounces", seed 0) alone and with a thread whose asyncio loop polls at the given periods, in
alternating pairs on one core (as the server runs in benchmarks/app_speed.py), and prints the
median of the pairs' ratios. app.py polls every 20 ms while a job runs (BUSY_POLL_S) and at
Gradio's 1 ms only while none does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROMPT = "a red ball falls and bounces"
SETTINGS = {"app.py while a job runs: 20 ms queue poll, 10 ms progress": (0.02, 0.01),
            "Gradio's own: 1 ms queue poll, 10 ms progress": (0.001, 0.01)}


class Poller:
    """A daemon thread with an asyncio loop that sleeps `periods` seconds at a time while `on` is set."""

    def __init__(self, periods: tuple[float, ...]):
        self.on = threading.Event()
        threading.Thread(target=asyncio.run, args=(self._run(periods),), daemon=True).start()

    async def _run(self, periods: tuple[float, ...]) -> None:
        await asyncio.gather(*(self._poll(period) for period in periods))

    async def _poll(self, period: float) -> None:
        while True:
            await asyncio.sleep(period if self.on.is_set() else 0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=12, help="alone / with polling pairs per setting")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import torch

    from pipeline import GenerationRequest, load

    torch.set_num_threads(1)
    pipe = load("tinyworld")
    request = GenerationRequest("t2v", PROMPT, seed=0)
    pipe.generate(request)  # warm-up
    for name, periods in SETTINGS.items():
        poller = Poller(periods)
        alone, polled = [], []
        for _ in range(args.pairs):
            poller.on.clear()
            time.sleep(0.3)  # the loop is back to 0.2 s sleeps
            alone.append(pipe.generate(request).timings["total"])
            poller.on.set()
            time.sleep(0.25)
            polled.append(pipe.generate(request).timings["total"])
        poller.on.clear()
        ratio = statistics.median(p / a for p, a in zip(polled, alone))
        print(f"{name}: {statistics.median(polled):.3f} s against {statistics.median(alone):.3f} s alone, "
              f"median ratio of {args.pairs} pairs {ratio:.3f}x", flush=True)


if __name__ == "__main__":
    main()
