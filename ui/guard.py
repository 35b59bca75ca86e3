"""What the public app checks before any handler runs, and what it adds to every file it serves.

Anyone can call every api_name with any payload (SECURITY.md). What the pinned Gradio does itself:
for an API call it refuses a file payload whose path its upload route did not write (before
copying it), but answers with a bare `{"error": null}`; a wrongly typed number fails in the
component with "upstream exception"; and it serves files under launch(allowed_paths=...) inline
with the type their suffix suggests, so an uploaded .html or .svg would run script in the app's
origin. What this module adds:
- GuardedBlocks: Gradio's first look at an event's payload (validate_inputs, before files are moved
  or components preprocess) refuses, with a message naming the field and no server path, a file
  anywhere but this server's upload folder (or a URL), and a number field that is not a finite number
  or is outside the field's range.
- ServedFileHeaders: every /file= answer goes out with nosniff and a Content-Security-Policy that
  forbids script; anything but an image, video or sound goes out as an attachment.
- forget: a refused upload is deleted at once.
"""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder
from gradio_client.utils import is_http_url_like, traverse
from starlette.datastructures import MutableHeaders

# What a browser may render in place; everything else is a download.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif", "video/mp4", "video/webm",
                          "audio/mpeg", "audio/wav", "audio/x-wav", "audio/aac", "audio/mp4"})
# No script, no frames, no forms, a unique origin (sandbox): a served file can only be looked at.
SERVED_FILE_CSP = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox"


def field_names(block_fn, components: list) -> list[str]:
    """Each input's name in messages: the handler's parameter (the API's name for it, and what the handler's
    own messages say), else the field's label as the page shows it."""
    try:
        params = [p.name for p in inspect.signature(block_fn.fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    labels = [str(getattr(c, "label", None) or type(c).__name__).lower() for c in components]
    return [params[i] if i < len(params) else labels[i] for i in range(len(components))]


def upload_folder() -> Path:
    return Path(get_upload_folder()).resolve()


def is_upload(path: str | Path) -> bool:
    """Whether `path` (symlinks resolved) lies inside the folder Gradio's upload route writes to."""
    try:
        return Path(path).resolve().is_relative_to(upload_folder())
    except (OSError, ValueError):
        return False


def check_files(value: Any, field: str) -> None:
    """Every file in a component's payload must be one this server's upload route wrote."""

    def check(file: dict) -> dict:
        path = str(file.get("path") or "")
        name = Path(path.rstrip("/")).name or "(no name)"
        if is_http_url_like(path) or not is_upload(path):
            raise gr.Error(f"{field}: {name} is not a file uploaded to this app; upload it (the page's upload, "
                           f"or gradio_client's handle_file) and send what the upload returns", duration=None)
        return file

    traverse(value, check, lambda d: isinstance(d, dict) and "path" in d)


def check_number(value: Any, field: str, minimum: float | None = None, maximum: float | None = None) -> None:
    """A number field's payload: a finite number within the field's range (Gradio's own range check says
    "Value 0 is less than minimum value 0.05." without naming the field)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise gr.Error(f"{field}: {value!r} is not a number", duration=None)
    if not math.isfinite(value):
        raise gr.Error(f"{field}: {value!r} is not a finite number", duration=None)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low, high = ("" if minimum is None else f"{minimum:g}"), ("" if maximum is None else f"{maximum:g}")
        raise gr.Error(f"{field}: {value:g} is outside {low}..{high}", duration=None)


class GuardedBlocks(gr.Blocks):
    """gr.Blocks that checks every event's payload before Gradio moves a file or a component reads it."""

    def validate_inputs(self, block_fn, inputs: list[Any]) -> None:
        super().validate_inputs(block_fn, inputs)
        names = field_names(block_fn, block_fn.inputs)
        for component, value, name in zip(block_fn.inputs, inputs, names):
            if getattr(component, "stateful", False):
                continue  # gr.State: the server's own value, not the payload's
            check_files(value, name)
            if isinstance(component, (gr.Number, gr.Slider)):
                check_number(value, name, getattr(component, "minimum", None), getattr(component, "maximum", None))


def path_free(text: str) -> str:
    """`text` with every absolute path cut to its last part ("/srv/app/outputs/uploads/x/clip.mp4" ->
    "clip.mp4"), for messages a public page shows: a library's or a loader's error text quotes paths."""
    return re.sub(r"(?<![\w.~])(?:~|[A-Za-z]:)?[/\\][^\s'\"`,;()]+", lambda m: Path(m.group()).name or "/", text)


def forget(path: str | Path | None) -> None:
    """Delete a refused upload (only ever a file inside the upload folder) and its folder if empty."""
    if not path or not is_upload(path):
        return
    file = Path(path).resolve()
    file.unlink(missing_ok=True)
    try:
        if file.parent != upload_folder():
            file.parent.rmdir()  # Gradio gives each upload a folder of its own
    except OSError:
        pass


class ServedFileHeaders:
    """ASGI middleware: headers on every file the server hands out (Gradio's /file= routes)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or "/file=" not in scope.get("path", ""):
            return await self.app(scope, receive, send)

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Content-Security-Policy"] = SERVED_FILE_CSP
                kind = headers.get("content-type", "").split(";")[0].strip().lower()
                if kind not in INLINE_TYPES:
                    headers["Content-Type"] = "application/octet-stream"
                    disposition = headers.get("content-disposition", "")
                    _, _, filename = disposition.partition(";")
                    headers["Content-Disposition"] = "attachment" + (f";{filename}" if filename else "")
            await send(message)

        await self.app(scope, receive, send_guarded)
