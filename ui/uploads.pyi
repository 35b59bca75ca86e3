"""Uploaded images and clips -> uint8 arrays, or a message that names the field and what is allowed.

Gradio's own Image component opens uploads with PIL before a handler sees them, so a corrupt file
would fail there with no field named; UploadImage hands such a file on to load_image instead.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image, ImageOps

from pipeline.video_io import read_video

MIN_SIDE = 8  # pixels: below this an image holds no scene to animate
MAX_PIXELS = 40_000_000  # 40 megapixels: larger uploads are refused before they are decoded
MAX_UPLOAD_BYTES = 200 * 2**20  # clips: refused before ffmpeg decodes them
MAX_CLIP_FRAMES = 1000

from gradio.events import Dependency

class UploadImage(gr.Image):
    """gr.Image(type="filepath") that passes a file PIL cannot open to the handler, which says why."""

    def get_block_name(self) -> str:  # the browser draws it with gr.Image's own front end
        return "image"

    def preprocess(self, payload):
        try:
            return super().preprocess(payload)
        except Exception:  # noqa: BLE001 - load_image gives the message, naming the field
            return str(payload.path) if payload is not None and payload.path else None
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component


def load_image(path: str | None, field: str = "image") -> tuple[np.ndarray, list[str]]:
    """An uploaded image -> (uint8 (H, W, 3) RGB, notes). Raises gr.Error naming `field`."""
    if not path:
        raise gr.Error(f"{field}: no image; upload a PNG or JPEG, or pick an example", duration=None)
    name, notes = Path(path).name, []
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise gr.Error(f"{field}: {name} is {width}x{height}, {width * height / 1e6:.0f} megapixels; "
                               f"at most {MAX_PIXELS // 1_000_000} megapixels are accepted", duration=None)
            image.load()  # a truncated file fails here, not later
            if image.mode not in ("RGB", "RGBA", "L", "P", "LA"):
                notes.append(f"{field}: converted from {image.mode} to RGB")
            if "A" in image.getbands() or "transparency" in image.info:
                notes.append(f"{field}: transparency dropped (composited on black)")
            rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))  # (H, W, 3)
    except gr.Error:
        raise
    except Image.DecompressionBombError:
        raise gr.Error(f"{field}: {name} is too large; at most {MAX_PIXELS // 1_000_000} megapixels", duration=None) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise gr.Error(f"{field}: {name} could not be read as an image ({error}); upload a PNG, JPEG or WebP",
                       duration=None) from None
    if min(rgb.shape[:2]) < MIN_SIDE:
        raise gr.Error(f"{field}: {name} is {rgb.shape[1]}x{rgb.shape[0]}; images need at least "
                       f"{MIN_SIDE}x{MIN_SIDE} pixels", duration=None)
    return rgb, notes


def load_clip(path: str | None, field: str = "video") -> np.ndarray:
    """An uploaded clip -> uint8 (T, H, W, 3). Raises gr.Error naming `field`."""
    if not path:
        raise gr.Error(f"{field}: no clip; upload an mp4, webm, mov or gif, or take the last result", duration=None)
    file = Path(path)
    if file.is_file() and file.stat().st_size > MAX_UPLOAD_BYTES:
        raise gr.Error(f"{field}: {file.name} is {file.stat().st_size / 2**20:.0f} MiB; at most "
                       f"{MAX_UPLOAD_BYTES // 2**20} MiB", duration=None)
    try:
        frames, _ = read_video(file)
    except ValueError as error:
        reason = str(error).replace(f"read_video: {file}", file.name)
        raise gr.Error(f"{field}: {reason}", duration=None) from None
    if len(frames) == 0:
        raise gr.Error(f"{field}: {file.name} has no frames", duration=None)
    if len(frames) > MAX_CLIP_FRAMES:
        raise gr.Error(f"{field}: {file.name} has {len(frames)} frames; at most {MAX_CLIP_FRAMES}", duration=None)
    if min(frames.shape[1:3]) < MIN_SIDE:
        raise gr.Error(f"{field}: {file.name} is {frames.shape[2]}x{frames.shape[1]}; at least {MIN_SIDE}x{MIN_SIDE}",
                       duration=None)
    return frames