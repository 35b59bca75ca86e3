"""Benchmark: where a click's time goes, stage by stage, from the click to the video's first frame.

    .venv/bin/python benchmarks/click_stages.py              # a warm-up click, then 10 timed clicks
    .venv/bin/python benchmarks/click_stages.py --clicks 20
    .venv/bin/python benchmarks/click_stages.py --rows 300  # the table holds 300 generations first

Launches app.py (as benchmarks/app_speed.py does: the server on one core, headless Debian chromium
on the last) through this script's --serve mode, which first wraps a few functions of the server
to write a wall-clock time when they start or end. The page reports its own times (the click, its
requests from the Performance API, the video's 'loadeddata'); both clocks are the machine's. For
the same text-to-video request, each stage's median over the timed clicks, in ms:

    click -> join       the page handles the click and sends its request to Gradio's queue
    join -> pipeline    the request arrives, is queued, started and preprocessed
    pipeline            pipeline.generate in the server (ui.shared.run_pipeline)
    pipeline -> answer  the mp4 and the row written, Gradio's postprocess, the answer sent
    answer -> request   the page takes in the answer and asks for the mp4
    request -> frame    the file fetched and its first frame decoded

--rows N first logs N generations to the server's table (one real clip with its metrics and
verdicts, logged N times): what the page does with each answer can grow with what it shows of the
table (the dashboard), which a fresh table hides.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import app_speed  # noqa: E402

STAGES = ["click -> join", "join -> pipeline", "pipeline", "pipeline -> answer", "answer -> request", "request -> frame"]
# Each timed click's page times (epoch ms): the click, its join request, the mp4 request, the first frame.
PAGE_TIMES = f"""() => {{ const t0 = performance.timeOrigin, v = {app_speed.VIDEO};
  const entries = performance.getEntriesByType('resource').filter(e => e.startTime >= window.__clicked);
  const join = entries.find(e => e.name.includes('/queue/join')), mp4 = v && entries.find(e => e.name === v.currentSrc);
  return [t0 + window.__clicked, join && t0 + join.startTime, mp4 && t0 + mp4.startTime, t0 + window.__ready]; }}"""


def serve(argv: list[str]) -> None:
    """Run app.main(argv) with the server's stages timed into $CLICK_STAGES_LOG ('<epoch s> <what>' lines)."""
    log = open(os.environ["CLICK_STAGES_LOG"], "a", buffering=1)

    def mark(what: str) -> None:
        log.write(f"{time.time():.6f} {what}\n")

    import gradio.queueing

    import ui.shared

    original_run = ui.shared.run_pipeline

    @functools.wraps(original_run)
    def run_pipeline(*args, **kwargs):
        mark("pipeline start")
        try:
            return original_run(*args, **kwargs)
        finally:
            mark("pipeline end")

    ui.shared.run_pipeline = run_pipeline  # generate_and_log looks it up at each call
    original_send = gradio.queueing.Queue.send_message

    def send_message(self, event, message, *args, **kwargs):
        if getattr(message, "msg", None) == "process_completed":
            mark("answer")
        return original_send(self, event, message, *args, **kwargs)

    gradio.queueing.Queue.send_message = send_message
    import app

    app.main(argv)


def fill_table(db: Path, outputs: Path, rows: int) -> None:
    """Log one tinyworld clip, with its metrics and probe verdicts, `rows` times to the table at db:
    the first as the app logs a generation, the rest as copies of its row pointing at its video."""
    from eval.table import new_generation_id
    from pipeline import GenerationRequest, load
    from ui import shared

    shared.configure(outputs, db)
    result = load("tinyworld").generate(GenerationRequest("t2v", app_speed.PROMPT, seed=0))
    path, first_id = shared.log_generation(result)
    metrics = shared.score_generation(first_id, result.frames, app_speed.PROMPT)
    verdicts, _ = shared.probe_generation(first_id, result.frames, shared.expectation_of(app_speed.PROMPT))
    table = shared.table()
    for _ in range(rows - 1):
        generation_id = new_generation_id()
        table.record(result, path, generation_id=generation_id)
        table.add_metrics(generation_id, metrics)
        table.add_verdicts(generation_id, verdicts)


def stages(server_log: list[tuple[float, str]], page: list[float | None]) -> list[float] | None:
    """One click's stages in ms, or None where a time is missing. page: epoch ms (click, join, mp4, frame)."""
    click, join, mp4, frame = page
    if None in page:
        return None
    after = [(t * 1000, what) for t, what in server_log if click <= t * 1000 <= frame]
    first = {what: t for t, what in reversed(after)}  # the first time of each mark in the click's window
    if {"pipeline start", "pipeline end", "answer"} - first.keys():
        return None
    start, end, answer = first["pipeline start"], first["pipeline end"], first["answer"]
    return [join - click, start - join, end - start, answer - end, mp4 - answer, frame - mp4]


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=10, help="timed clicks after the warm-up")
    parser.add_argument("--rows", type=int, default=0, help="generations logged to the table before the app starts")
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    server_cores, browser_cores = (set(cores[:-1]), {cores[-1]}) if len(cores) >= 2 else (None, None)
    with tempfile.TemporaryDirectory(prefix="click_stages-") as tmp:
        folder = Path(tmp)
        log = folder / "stages.log"
        log.touch()
        if args.rows:
            fill_table(folder / "t.db", folder / "outputs", args.rows)
        process, url, _ = app_speed.launch(folder, cores=server_cores, app=(__file__, "--serve"),
                                           env={"CLICK_STAGES_LOG": str(log)})
        pages: list[list[float | None]] = []
        try:
            app_speed.click_to_video(url, process.pid, folder / "t.db", args.clicks, browser_cores,
                                     after_each=lambda page: pages.append(page.evaluate(PAGE_TIMES)))
        finally:
            process.kill()
            process.wait()
        server_log = [(float(t), what) for t, what in (line.split(" ", 1) for line in log.read_text().splitlines())]
    rows = [r for r in (stages(server_log, page) for page in pages[1:]) if r is not None]  # not the warm-up
    print(f"stages of {len(rows)} clicks with {args.rows} generations in the table first, ms: median [each click]")
    for i, name in enumerate(STAGES):
        values = [r[i] for r in rows]
        print(f"  {name:20s} {statistics.median(values):6.0f}  [{', '.join(f'{v:.0f}' for v in values)}]")
    totals = [sum(r) for r in rows]
    overhead = [t - r[2] for t, r in zip(totals, rows)]
    print(f"  {'total':20s} {statistics.median(totals):6.0f}; without the pipeline {statistics.median(overhead):.0f}")


if __name__ == "__main__":
    main()
