""""Download weights" under a model picker: where the chosen model's weights are missing and the
network is allowed, its download size, a button that downloads them with progress, and Stop.

The download goes to the Hugging Face cache at the card's revision (pipeline.weights.fetch, as
`python -m pipeline fetch` does), after checking the disk has room; one download runs at a time
per server. Offline (HF_HUB_OFFLINE=1, SPACETIME_FETCH=never) nothing is offered and the model
note says the weights are missing, with the fetch command, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import gradio as gr

from pipeline.download import DownloadStopped, human_size, network_refusal
from pipeline.errors import PipelineError
from pipeline.registry import get_card
from pipeline.weights import check_disk_space, download_size, fetch
from ui import shared
from ui.guard import path_free

_RUNNING = threading.Lock()  # one weights download per server: they are large
_STOPS: dict[str, threading.Event] = {}  # session -> its Stop flag
POLL_S = 0.4  # how often the page's progress line is refreshed


def offer(model: str) -> str | None:
    """What the picker says above the button (the size to download), or None: nothing to offer
    (the weights are here, they ship with the repository, or the network is not allowed)."""
    card = get_card(model)
    if not card.repo_id or network_refusal() or shared.weights_problem(model) is None:
        return None
    size = download_size(card)
    return (f"⬇️ **{model}** weights can be downloaded from the Hugging Face Hub "
            f"(`{card.repo_id}`@`{card.revision}`): **{human_size(size)}**.")


def attach(model: gr.Dropdown, note: gr.Markdown, mode: str) -> None:
    """The offer, the button and Stop under a picker, following its dropdown."""
    text = offer(model.value)
    status = gr.Markdown(text or "", visible=text is not None)
    with gr.Row(visible=text is not None) as row:
        start = gr.Button("Download weights", size="sm")
        halt = gr.Button("Stop download", size="sm", variant="stop")

    def follow(name: str):
        text = offer(name)
        return gr.update(value=text or "", visible=text is not None), gr.update(visible=text is not None)

    def run(name: str, request: gr.Request = None) -> Iterator[tuple]:
        yield from download(name, mode, request)

    model.change(follow, model, [status, row], api_name=False, queue=False)
    start.click(run, model, [status, note, row], api_name=False)
    halt.click(stop, None, None, api_name=False, queue=False)


def download(model: str, mode: str, request: gr.Request | None = None) -> Iterator[tuple]:
    """Yields (status markdown, model note, button row update) while the weights download, then once
    more with the outcome: downloaded (the note is the model's note again), stopped, or why it failed."""
    card = get_card(model)
    refusal = network_refusal()
    if refusal or not card.repo_id:
        raise gr.Error(f"model: {model}'s weights are not downloaded here "
                       f"({refusal or 'they ship with this repository'})", duration=None)
    if shared.weights_problem(model) is None:
        yield f"✅ **{model}** weights are here.", shared.model_note(model, mode), gr.update(visible=False)
        return
    if not _RUNNING.acquire(blocking=False):
        raise gr.Error("model: another weights download is running on this server; try again when it ends",
                       duration=None)
    size = download_size(card)
    try:
        check_disk_space(card, size)
    except PipelineError as error:
        _RUNNING.release()
        raise gr.Error(path_free(str(error)), duration=None) from None
    flag = _STOPS.setdefault(_session(request), threading.Event())
    flag.clear()
    state: dict = {"done": 0, "error": None}

    def work() -> None:
        try:
            fetch(card, progress=lambda done, total: state.update(done=done), stop=flag)
        except Exception as error:  # noqa: BLE001 - shown on the page, not raised in a thread
            state["error"] = error
        finally:
            _RUNNING.release()

    worker = threading.Thread(target=work, name=f"fetch-{model}", daemon=True)
    worker.start()
    what = f"Downloading **{model}** weights, {human_size(size)}"
    while worker.is_alive():
        share = f": {100 * state['done'] / size:.0f}% ({human_size(state['done'])})" if size else f": {human_size(state['done'])}"
        yield what + share + " … **Stop download** ends it.", gr.update(), gr.update()
        worker.join(POLL_S)
    error = state["error"]
    if isinstance(error, DownloadStopped):
        yield f"⏹️ Stopped: {error}. **Download weights** picks up where it stopped.", gr.update(), gr.update()
    elif error is not None:
        yield f"⚠️ {path_free(str(error))}", gr.update(), gr.update()
    else:
        yield (f"✅ **{model}** weights downloaded ({human_size(size)}) to the Hugging Face cache.",
               shared.model_note(model, mode), gr.update(visible=False))


def stop(request: gr.Request | None = None) -> None:
    """Stop download: this session's download ends at its next chunk; what arrived is kept."""
    flag = _STOPS.get(_session(request))
    if flag is not None:
        flag.set()
        gr.Info("Stopping the download…")


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or "no-session"
