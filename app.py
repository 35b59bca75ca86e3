"""Spacetime Lab in the browser: text to video, image to video, extend and fill in, failure probes.

    python app.py                                # http://127.0.0.1:7860 on the embedded model
    python app.py --host 0.0.0.0 --port 7861 --share --model tinyworld --outputs outputs
    SPACETIME_MODEL=ltx-video python app.py      # the default model from the environment (a Space's variable)

Builds the Gradio Blocks UI from the tabs in ui/ and nothing else: models load on the first
request (ui/shared.py), every result goes to the evaluation table, and the server serves only the
outputs folder (generated videos, examples, uploads under outputs/uploads).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEFAULT_MODEL = "tinyworld"
TITLE = "Spacetime Lab"
QUEUE_SIZE = 32  # waiting requests beyond this are refused with "queue full" rather than kept for minutes
# Gradio's queue looks for new work every 1 ms (its own setting) while it waits. While a job runs,
# those 1,000 wake-ups a second take the interpreter from the model's thread: a generation ran 1.12x
# its time alone, against 1.03x at 20 ms (benchmarks/queue_poll_cost.py). So while a job runs it
# looks every 20 ms, and with nothing running it keeps Gradio's 1 ms, so that a click starts at once.
BUSY_POLL_S = 0.02
HEAD = "Type a prompt, upload an image or a clip, and get a video: every result is scored, probed for " \
       "physics, left/right, causality and object-permanence failures, and logged to the evaluation table."


def build_demo(outputs: str | Path = "outputs", db: str | Path | None = None, model: str = DEFAULT_MODEL):
    """The gr.Blocks app. Gradio is imported here, after GRADIO_TEMP_DIR points into outputs:
    it reads that variable once, when it is first imported."""
    outputs = Path(outputs).resolve()
    os.environ.setdefault("GRADIO_TEMP_DIR", str(outputs / "uploads"))
    import gradio as gr

    from ui import compare, dashboard, edit, extend, image_to_video, links, probes, shared, text_to_video
    from ui.guard import GuardedBlocks

    shared.configure(outputs, db, model)
    with GuardedBlocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\n{HEAD}")
        with gr.Tabs():
            with gr.Tab("Text to video", id="t2v"):
                text_to_video.create_tab()
            with gr.Tab("Image to video", id="i2v"):
                image_to_video.create_tab()
            with gr.Tab("Extend & fill in", id="extend"):
                extend.create_tab()
            with gr.Tab("Edit", id="edit"):
                edit.create_tab()
            with gr.Tab("Failure probes", id="probes"):
                probes.create_tab()
            with gr.Tab("Compare", id="compare"):
                compare.create_tab()
            with gr.Tab("Dashboard", id=links.DASHBOARD_TAB) as board_tab:
                board = dashboard.create_tab()
        # The dashboard reads the table when its tab is first opened; a link (?run=, ?gen=) opens it at once.
        links.wire(board_tab, board)
        demo.load(None, js=links.SELECT_TAB_JS, api_name=False)
    # One generation at a time: the model is loaded once per process and its pipeline is not reentrant.
    demo.queue(default_concurrency_limit=1, max_size=QUEUE_SIZE)
    pace_the_queue(demo._queue)
    return demo


def serve(demo, outputs: str | Path, **launch_options):
    """demo.launch as the public app needs it: only the outputs folder served, every served file with
    headers that keep it from running script (ui/guard.py), uploads capped at the clip limit."""
    from starlette.middleware import Middleware

    from ui.guard import ServedFileHeaders
    from ui.uploads import MAX_UPLOAD_BYTES

    return demo.launch(allowed_paths=[str(Path(outputs).resolve())], max_file_size=MAX_UPLOAD_BYTES,
                       app_kwargs={"middleware": [Middleware(ServedFileHeaders)]}, **launch_options)


def pace_the_queue(queue) -> None:
    """Gradio's queue reads `sleep_when_free` each time it waits for work (there is no public setting;
    tests/test_app_client.py checks it is still Gradio's): BUSY_POLL_S while a job runs, else Gradio's."""
    idle_poll_s = vars(queue).pop("sleep_when_free")

    class PacedQueue(type(queue)):
        @property
        def sleep_when_free(self) -> float:
            return BUSY_POLL_S if any(self.active_jobs) else idle_poll_s

    queue.__class__ = PacedQueue


def resolve_model(name: str | None) -> str:
    """--model, else $SPACETIME_MODEL (a Space's variable picks its model), else tinyworld; checked
    against the registry so a typo is one message at startup, not an error on the first request."""
    from pipeline.registry import MODELS

    source = "--model" if name else "SPACETIME_MODEL"
    name = name or os.environ.get("SPACETIME_MODEL") or DEFAULT_MODEL
    if name not in MODELS:
        raise ValueError(f"{source}: {name!r} is not in the registry; choose one of {', '.join(MODELS)}")
    return name


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # On a Hugging Face Space (SPACE_ID set) the server must listen on every interface.
    parser.add_argument("--host", default="0.0.0.0" if os.environ.get("SPACE_ID") else "127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    parser.add_argument("--model", default=None, help=f"the model each tab starts on (default $SPACETIME_MODEL or {DEFAULT_MODEL})")
    parser.add_argument("--outputs", default=os.environ.get("SPACETIME_OUTPUTS", "outputs"), help="videos and uploads")
    parser.add_argument("--db", default=None, help="the evaluation table (default $SPACETIME_DB or runs/spacetime.db)")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        model = resolve_model(args.model)
    except ValueError as error:
        parser.error(str(error))
    outputs = Path(args.outputs).resolve()
    os.environ["GRADIO_TEMP_DIR"] = str(outputs / "uploads")  # uploads land inside the one served folder
    demo = build_demo(outputs, args.db, model)
    serve(demo, outputs, server_name=args.host, server_port=args.port, share=args.share)


if __name__ == "__main__":
    main()
