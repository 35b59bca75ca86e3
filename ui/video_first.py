"""The video first, the metrics after: how a generating tab's button is wired.

A tab's handler is a generator that answers twice (shared.generate_and_log): the video and its row
as soon as they are written, then the same with the metrics and verdicts filled in. Run as one
event, the page asked for the video file only after the second answer had come, so the metrics'
work on the server stood between the click and the first frame (docs/benchmarks.md). So a tab
gets two events:

- the API event (`api_name`, nothing in the page triggers it): the handler run to its end, so a
  gradio_client script gets the row id when the row's metrics are already in the table;
- the page's event: the handler's first answer, after which the handler waits, suspended and
  keyed by its row id, until a chained event resumes it; that event starts once the page shows
  the video's first frame (or after WAIT_MS), and sends only what changed.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator

import gradio as gr

WAIT_MS = 3000  # a page that cannot show the video (a hidden tab, no codec) still gets its metrics
MAX_WAITING = 32  # handlers whose page never came back (a closed tab) are finished beyond this many

# In the page, before the chained event: resolves with the row id once a <video> showing that row's
# file (the file is named by its row id) has a frame to show, or an <img> of a one-frame result has loaded. It listens for the video's
# 'loadeddata' (caught on the way down: it does not bubble) rather than polling, so it takes no
# turns from the page while the browser readies the video.
WAIT_FOR_VIDEO_JS = """(row) => new Promise(resolve => {
  const shown = () => [...document.querySelectorAll('video')].some(v => v.currentSrc.includes(row) && v.readyState >= 2)
    || [...document.querySelectorAll('img')].some(i => i.currentSrc.includes(row) && i.complete);  // a one-frame result
  if (!row || shown()) return resolve(row);
  const done = () => { ['loadeddata', 'load'].forEach(e => document.removeEventListener(e, loaded, true)); clearTimeout(timer); resolve(row); };
  const loaded = event => { if ((event.target.currentSrc || '').includes(row)) done(); };
  ['loadeddata', 'load'].forEach(e => document.addEventListener(e, loaded, true));  // a video's first frame, an image's pixels
  const timer = setTimeout(done, %d);
})""" % WAIT_MS

_WAITING: OrderedDict[str, tuple[Iterator[tuple], tuple]] = OrderedDict()  # row id -> (handler, its first answer)
_LOCK = threading.Lock()
LOG = logging.getLogger(__name__)


def wire(triggers: list, handler: Callable[..., Iterator[tuple]], inputs: list, outputs: list, row: gr.Component,
         api_name: str, busy: gr.Component, concurrency_id: str) -> None:
    """The API event and the page's two chained events for one generating handler. row: the output
    holding the row id; busy: the output that shows progress while the metrics are computed."""
    gr.on([], handler, inputs, outputs, api_name=api_name, concurrency_id=concurrency_id)
    gr.on(triggers, first_answer(handler, outputs.index(row)), inputs, outputs, api_name=False,
          concurrency_id=concurrency_id).success(
        rest_of, row, outputs, js=WAIT_FOR_VIDEO_JS, api_name=False, concurrency_id=concurrency_id,
        show_progress_on=[busy])


def first_answer(handler: Callable[..., Iterator[tuple]], row_index: int) -> Callable[..., tuple]:
    """The handler's first answer; the handler waits for rest_of(row id). functools.wraps keeps the
    handler's signature, which Gradio reads to pass gr.Request and gr.Progress."""

    @functools.wraps(handler)
    def answer(*args, **kwargs) -> tuple:
        answers = handler(*args, **kwargs)
        first = next(answers)
        _wait(first[row_index], answers, first)
        return first

    return answer


def rest_of(row: str) -> tuple:
    """Run a waiting handler to its end; -> its last answer, gr.skip() where the first already showed it."""
    with _LOCK:
        waiting = _WAITING.pop(row, None)
    if waiting is None:
        raise gr.Error(f"row {row}: its metrics were already computed or are not this server's to compute")
    answers, first = waiting
    last = _finish(answers, first)
    return tuple(gr.skip() if _same(new, old) else new for new, old in zip(last, first))


def _wait(row: str, answers: Iterator[tuple], first: tuple) -> None:
    with _LOCK:
        _WAITING[row] = (answers, first)
        overflow = [_WAITING.popitem(last=False) for _ in range(len(_WAITING) - MAX_WAITING)]
    for old_row, (old, old_first) in overflow:  # their pages are gone; their rows still get every metric
        try:
            _finish(old, old_first)
        except Exception:  # noqa: BLE001 - another row's failure must not cost this request its answer
            LOG.exception("finishing the metrics of row %s, whose page never asked for them", old_row)


def _finish(answers: Iterator[tuple], first: tuple) -> tuple:
    last = first
    for last in answers:
        pass
    return last


def _same(new, old) -> bool:
    """Unchanged outputs are not sent again (a re-sent video would reload in the page)."""
    return new is old or (isinstance(new, (str, int, float)) and type(new) is type(old) and new == old)


__all__ = ["WAIT_FOR_VIDEO_JS", "first_answer", "rest_of", "wire"]
