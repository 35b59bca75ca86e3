"""Benchmark: the app's cold start, its click-to-video time against the pipeline's own, and its memory.

    .venv/bin/python benchmarks/app_speed.py                 # 1 cold start, a warm-up click, 3 timed clicks
    .venv/bin/python benchmarks/app_speed.py --starts 3 --clicks 5

Launches `python app.py` as a subprocess (free port, temporary outputs folder and table, the
offline variables set) and measures:
    cold start     launching app.py -> GET / answers 200 with the app's HTML (target <= 10 s;
                   the median of --starts launches, on every core; the clicks go to one more)
    click-to-video the same text-to-video request (tinyworld, "a red ball falls and bounces",
                   seed 0, the card's defaults), clicked in headless Debian chromium
                   (/usr/bin/chromium through playwright, never `playwright install`): from the
                   click on Generate to the result <video> having readyState >= 2 (timed in the
                   page), the median of --clicks clicks after a warm-up click (which loads the
                   model), against the pipeline's own time for that same request: the
                   `timings['total']` that pipeline.generate measured in the server for the
                   click (read from the evaluation table). The ratio is the median of the
                   clicks' ratios (target <= 1.3x). Both times of a ratio come from the same
                   seconds on the machine: this one's speed moves 20-40% from one second to the
                   next (runs of 0.46 s and 0.69 s two clicks apart), which swung a ratio
                   against a separate run by +-0.1.
                   Two more lines check the server's measurement against a run of the same
                   request in this process right before each click (the server paused
                   meanwhile): the click's ratio to that run (the same overhead, plus the
                   drift), and the server's pipeline time over that run, about 1.0 unless the
                   app slows the pipeline down (e.g. its queue polling took the interpreter).
    memory         the server's resident memory (psutil RSS, its children included) after the
                   model is loaded and one generation done, i.e. after the warm-up click
                   (target <= 1.5 GiB); the value after every click is printed too.
On a machine with 2 or more cores the browser runs on the last core and the server (and the
pipeline's own run it is compared with) on the others: a user's browser runs on their own machine,
and on 2 shared cores the headless browser's software rendering slowed the server's pipeline
about 2x (1.97 s against 0.88 s on 2026-12-03), which measured the benchmark, not the app.
--shared-cores measures the old way.
Each number is printed with its target and ok or MISS.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENV = {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
os.environ.update(ENV)

import psutil  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PROMPT = "a red ball falls and bounces"
TARGET_START_S, TARGET_RATIO, TARGET_RSS_GIB = 10.0, 1.3, 1.5

# Set up in the page once: the time of every click on Generate (capture phase, before Gradio sees it).
# The result <video> (in the visible panel; Gradio re-renders the panel, so it is looked up afresh).
PLAYER = '[data-testid="Result-player"] video, video[data-testid="Result-player"]'
VIDEO = f"""(() => {{ const panel = [...document.querySelectorAll('[role=tabpanel]')].find(p => p.offsetParent !== null);
  return panel && panel.querySelector('{PLAYER}'); }})()"""
# Before each click: the time of the click, and the moment the result video shows a new file with a
# frame to show (its 'loadeddata' event, caught on the way down; polling for it would add up to a
# polling interval to every measurement).
ARM = f"""button => {{ window.__clicked = null; window.__ready = null; window.__old = ({VIDEO} || {{}}).currentSrc || '';
  performance.clearResourceTimings();  // the browser keeps 250 entries; this click's must fit
  if (!window.__listening) {{ window.__listening = true;
    document.addEventListener('loadeddata', e => {{ const v = e.target;
      if (window.__clicked !== null && window.__ready === null && v.matches && v.matches('{PLAYER}')
          && v.currentSrc && v.currentSrc !== window.__old && v.duration > 0) window.__ready = performance.now(); }}, true); }}
  if (!button.__timed) {{ button.__timed = true;
    button.addEventListener('click', () => {{ window.__clicked = performance.now(); }}, true); }} }}"""
# Truthy (ms from the click) once the result video has its first frame.
READY = "() => window.__ready !== null && (window.__ready - window.__clicked)"
# When the browser asked the server for the video file and had all of it, in ms from the click.
FETCH = f"""() => {{ const v = {VIDEO}; const r = v && performance.getEntriesByName(v.currentSrc).pop();
  return r ? [r.startTime - window.__clicked, r.responseEnd - window.__clicked] : null; }}"""
# The event has finished: the metrics replaced the "computing…" row.
DONE = """() => { const t = document.body.innerText; return !t.includes('computing…') && t.includes('probe: presence'); }"""


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(folder: Path, timeout: float = 120, db: Path | None = None, outputs: Path | None = None,
           cores: set[int] | None = None, app: tuple[str, ...] = ("app.py",),
           env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str, float]:
    """Start app.py (its table and outputs in `folder` unless given; on `cores` only, if given; app:
    what runs it, e.g. a script that wraps app.main); -> (process, url, seconds from launch to GET /
    answering 200 with the app's HTML)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = (folder / f"app-{port}.log").open("wb")
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, *app, "--port", str(port), "--outputs", str(outputs or folder / "outputs"),
                                "--db", str(db or folder / "t.db")], cwd=ROOT, env={**os.environ, **ENV, **(env or {})},
                               stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None)
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            sys.exit(f"app.py exited with {process.returncode}: {(folder / f'app-{port}.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200 and b"Spacetime Lab" in answer.read():
                    return process, url, time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.05)
    process.kill()
    sys.exit(f"app.py did not answer {url} within {timeout:.0f} s")


def rss_bytes(pid: int) -> int:
    """Resident memory of the process and all its children."""
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def newest_pipeline_seconds(db: Path) -> float:
    """timings['total'] of the newest generation in the server's evaluation table."""
    with sqlite3.connect(db) as table:
        (timings,) = table.execute("SELECT timings FROM generations ORDER BY rowid DESC LIMIT 1").fetchone()
    return float(json.loads(timings)["total"])


def click_to_video(url: str, pid: int, db: Path, clicks: int, cores: set[int] | None = None,
                   before_each: Callable[[], None] = lambda: None,
                   after_each: Callable[[Page], None] = lambda page: None) -> tuple[list[float], list[float], list[int]]:
    """-> (seconds from click to a playable video per timed click, the pipeline seconds the server
    measured for each (from its table db), RSS after each click, the warm-up first). cores: where the browser
    runs (playwright's driver and chromium inherit this process's affinity). before_each: run
    before every click (the pipeline's own run it is paired with); after_each: after every click, its
    result shown and its metrics in, given the page."""
    if not CHROMIUM.is_file():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    seconds, reported, memory = [], [], []
    everywhere = os.sched_getaffinity(0)
    if cores:
        os.sched_setaffinity(0, cores)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_role("tab", name="Text to video").click()
            panel = page.locator("div[role=tabpanel]:visible").first
            panel.get_by_label("Prompt").first.fill(PROMPT)
            button = panel.get_by_role("button", name="Generate", exact=True)
            for i in range(clicks + 1):  # the first is the warm-up (it loads the model)
                before_each()
                button.evaluate(ARM)
                button.click()
                ms = page.wait_for_function(READY, polling=50, timeout=180_000).json_value()
                fetch = page.evaluate(FETCH)
                page.wait_for_function(DONE, timeout=180_000)  # the next click is not dropped
                after_each(page)
                memory.append(rss_bytes(pid))
                pipeline_s = newest_pipeline_seconds(db)
                if i:
                    seconds.append(ms / 1000)
                    reported.append(pipeline_s)
                fetched = f"file asked for at {fetch[0] / 1000:.2f} s, had by {fetch[1] / 1000:.2f} s; " if fetch else ""
                print(f"  click {i}{' (warm-up)' if not i else ''}: {ms / 1000:.3f} s to a playable video ({fetched}"
                      f"the server's pipeline {pipeline_s:.3f} s); RSS {memory[-1] / 2**30:.2f} GiB", flush=True)
        finally:
            browser.close()
    os.sched_setaffinity(0, everywhere)
    return seconds, reported, memory


class OwnPipeline:
    """The pipeline's own time in this process, on the server's cores (as many torch threads), run
    right before each click so that each click has a partner timed on the machine as it is then:
    on a shared machine the speed drifts 20% or more within minutes. The server is paused
    (SIGSTOP) meanwhile, so its idle event loop takes nothing from the run."""

    def __init__(self, server_pid: int, cores: set[int] | None):
        import torch

        from pipeline import load

        self.server, self.cores, self.seconds = psutil.Process(server_pid), cores, []
        if cores:
            torch.set_num_threads(len(cores))
        self.pipe = load("tinyworld")

    def __call__(self) -> None:
        from pipeline import GenerationRequest

        elsewhere = os.sched_getaffinity(0)
        if self.cores:
            os.sched_setaffinity(0, self.cores)
        self.server.suspend()
        try:
            self.seconds.append(self.pipe.generate(GenerationRequest("t2v", PROMPT, seed=0)).timings["total"])
        finally:
            self.server.resume()
            os.sched_setaffinity(0, elsewhere)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=1, help="cold starts to time (the median is reported)")
    parser.add_argument("--clicks", type=int, default=3, help="timed clicks after the warm-up (the median is reported)")
    parser.add_argument("--shared-cores", action="store_true",
                        help="let the browser and the server share every core (default: on a machine with 2 or more "
                             "cores, the browser gets the last core and the server, and the pipeline's own run, the rest, "
                             "as when the browser runs on the user's own machine)")
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    server_cores = browser_cores = None
    if not args.shared_cores and len(cores) >= 2:
        server_cores, browser_cores = set(cores[:-1]), {cores[-1]}
        print(f"  server and pipeline on cores {sorted(server_cores)}, the browser on core {cores[-1]}", flush=True)

    with tempfile.TemporaryDirectory(prefix="app_speed-") as tmp:
        folder = Path(tmp)
        starts = []
        for _ in range(max(1, args.starts)):  # on every core: no browser is running yet
            process, url, seconds = launch(folder)
            starts.append(seconds)
            print(f"  cold start: {seconds:.2f} s", flush=True)
            process.kill()
            process.wait()
        process, url, _ = launch(folder, cores=server_cores)  # the server the clicks go to
        try:
            own = OwnPipeline(process.pid, server_cores)
            clicks, reported, memory = click_to_video(url, process.pid, folder / "t.db", args.clicks, browser_cores,
                                                      before_each=own)
        finally:
            process.kill()
            process.wait()
        own_seconds = own.seconds[1:]  # the first run, before the warm-up click, warmed this process up

    start, click, mine = statistics.median(starts), statistics.median(clicks), statistics.median(own_seconds)
    ratio = statistics.median(c / r for c, r in zip(clicks, reported))
    paired = statistics.median(c / o for c, o in zip(clicks, own_seconds))
    slowdown = statistics.median(r / o for r, o in zip(reported, own_seconds))
    rss = memory[0] / 2**30
    print(f"cold start (launch -> GET / 200 with the app's HTML), median of {len(starts)}: "
          f"{start:.2f} s (target <= {TARGET_START_S:g} s) {verdict(start <= TARGET_START_S)}")
    print(f"click-to-video (click -> <video> readyState >= 2), median of {len(clicks)}: {click:.2f} s "
          f"[{', '.join(f'{c:.2f}' for c in clicks)}]")
    print(f"the pipeline's own time for those requests, measured in the server, median: {statistics.median(reported):.2f} s "
          f"[{', '.join(f'{r:.2f}' for r in reported)}]")
    print(f"click-to-video / the pipeline's own time for the same request, the median of the clicks' ratios: {ratio:.2f}x "
          f"(target <= {TARGET_RATIO:g}x) {verdict(ratio <= TARGET_RATIO)}")
    print(f"  against a run in this process just before each click (median {mine:.2f} s "
          f"[{', '.join(f'{c:.2f}' for c in own_seconds)}]): {paired:.2f}x, the same overhead plus the machine's drift; "
          f"the server's pipeline over that run: {slowdown:.2f}x (about 1.0: the app does not slow the pipeline down)")
    print(f"server RSS after the model loaded and one generation: {rss:.2f} GiB (target <= {TARGET_RSS_GIB:g} GiB) "
          f"{verdict(rss <= TARGET_RSS_GIB)}; after each click: {', '.join(f'{m / 2**30:.2f}' for m in memory)} GiB")


if __name__ == "__main__":
    main()
