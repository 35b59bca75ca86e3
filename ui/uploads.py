"""Uploaded images and clips -> uint8 arrays, or a message that names the field and what is allowed.

Each field takes only the media it needs, recognised by the file's first bytes, not its name; a
refused upload is deleted at once (ui/guard.forget). A clip's frame count and size are read from
its container before anything is decoded, and decoding stops at the cap. Messages name the file,
never a server path: a library's error text (which quotes the path) is not passed on.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image, ImageOps

from pipeline.video_io import read_video
from ui.guard import forget, path_free

MIN_SIDE = 8  # pixels: below this an image holds no scene to animate
MAX_PIXELS = 40_000_000  # 40 megapixels: larger uploads are refused before they are decoded
MAX_UPLOAD_BYTES = 200 * 2**20  # any upload (Gradio's upload route refuses more) and clips
MAX_CLIP_FRAMES = 1000
MAX_CLIP_PIXELS = 250_000_000  # width x height x frames: 750 MB decoded; 121 frames of 1280x720 are 112 million
IMAGE_FORMATS = ["PNG", "JPEG", "WEBP"]  # PIL's decoders tried (JPEG's also opens phones' multi-picture JPEGs)
IMAGE_KINDS = "PNG, JPEG or WebP"
CLIP_KINDS = "an mp4, mov, webm, mkv, avi or gif"


class UploadImage(gr.Image):
    """gr.Image(type="filepath") that hands the uploaded file to load_image as it is: Gradio's own Image
    would open and re-encode it first, before the size cap and with no field named when it fails."""

    def get_block_name(self) -> str:  # the browser draws it with gr.Image's own front end
        return "image"

    def preprocess(self, payload):
        return str(payload.path) if payload is not None and payload.path else None


def clip_kind(path: Path) -> str | None:
    """The container a clip's first bytes announce (mp4/mov, webm/mkv, avi, gif), or None."""
    with path.open("rb") as file:
        head = file.read(12)
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def _refuse(path: str, message: str) -> gr.Error:
    forget(path)
    return gr.Error(message, duration=None)


def load_image(path: str | None, field: str = "image") -> tuple[np.ndarray, list[str]]:
    """An uploaded image -> (uint8 (H, W, 3) RGB, notes). Raises gr.Error naming `field`."""
    if not path:
        raise gr.Error(f"{field}: no image; upload a {IMAGE_KINDS} file, or pick an example", duration=None)
    name, notes = Path(path).name, []
    try:
        with Image.open(path, formats=IMAGE_FORMATS) as image:  # recognised by content, not by suffix
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _refuse(path, f"{field}: {name} is {width}x{height}, {width * height / 1e6:.0f} megapixels; "
                                    f"at most {MAX_PIXELS // 1_000_000} megapixels are accepted")
            image.load()  # a truncated file fails here, not later
            if image.mode not in ("RGB", "RGBA", "L", "P", "LA"):
                notes.append(f"{field}: converted from {image.mode} to RGB")
            if "A" in image.getbands() or "transparency" in image.info:
                notes.append(f"{field}: transparency dropped (composited on black)")
            rgb = np.array(ImageOps.exif_transpose(image).convert("RGB"))  # (H, W, 3), writable
    except gr.Error:
        raise
    except Image.DecompressionBombError:
        raise _refuse(path, f"{field}: {name} is too large; at most {MAX_PIXELS // 1_000_000} megapixels") from None
    except Image.UnidentifiedImageError:
        raise _refuse(path, f"{field}: {name} is not a {IMAGE_KINDS} image; upload one of those") from None
    except (OSError, SyntaxError, ValueError):  # the library's text names the server path: not passed on
        raise _refuse(path, f"{field}: {name} could not be read as an image (damaged or cut short); "
                            f"upload a whole {IMAGE_KINDS} file") from None
    if min(rgb.shape[:2]) < MIN_SIDE:
        raise _refuse(path, f"{field}: {name} is {rgb.shape[1]}x{rgb.shape[0]}; images need at least "
                            f"{MIN_SIDE}x{MIN_SIDE} pixels")
    return rgb, notes


def load_clip(path: str | None, field: str = "video") -> np.ndarray:
    """An uploaded clip -> uint8 (T, H, W, 3). Raises gr.Error naming `field`. The container is
    checked by its first bytes, and its frame count and size by its header, before any decoding."""
    if not path:
        raise gr.Error(f"{field}: no clip; upload {CLIP_KINDS}, or take the last result", duration=None)
    file = Path(path)
    if not file.is_file():
        raise gr.Error(f"{field}: {file.name} is not a file on this server; upload the clip", duration=None)
    size = file.stat().st_size
    if size == 0:
        raise _refuse(path, f"{field}: {file.name} is empty (0 bytes)")
    if size > MAX_UPLOAD_BYTES:
        raise _refuse(path, f"{field}: {file.name} is {size / 2**20:.0f} MiB; at most {MAX_UPLOAD_BYTES // 2**20} MiB")
    if clip_kind(file) is None:
        raise _refuse(path, f"{field}: {file.name} is not a video; upload {CLIP_KINDS}")
    try:
        frames, _ = read_video(file, max_frames=MAX_CLIP_FRAMES, max_pixels=MAX_CLIP_PIXELS)
    except ValueError as error:
        raise _refuse(path, f"{field}: {path_free(str(error).removeprefix('read_video: '))}") from None
    if min(frames.shape[1:3]) < MIN_SIDE:
        raise _refuse(path, f"{field}: {file.name} is {frames.shape[2]}x{frames.shape[1]}; at least "
                            f"{MIN_SIDE}x{MIN_SIDE}")
    return frames
