"""The one entry point: load(model_name) -> VideoPipeline; pipe.generate(GenerationRequest) -> GenerationResult.

    python -m pipeline generate --model ltx-video --mode t2v --prompt "a red ball" --seed 0 --out clip.mp4

    from pipeline import load, GenerationRequest
    pipe = load("tinyworld")                                  # cached: a second load() is free
    result = pipe.generate(GenerationRequest("t2v", "a red ball falls"), progress=print)
    result.frames                                             # uint8 (T, H, W, 3)

Used by the UI, the command line and evaluation runs alike, so a video in the browser and a row in
the table come from the same code. Backends implement one method,
`generate(request, generator, callback) -> (frames uint8 (T, H, W, 3), info dict)`, and get a
request that is already resolved and checked against the card:
    diffusers  pipeline/diffusers_backend.py (DiffusersBackend)
    tinyworld  pipeline/tinyworld/backend.py: load_tinyworld(folder: Path, device: str) -> backend;
               info may carry "caption" (the expanded prompt) and "notes" (list of str)
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import BackendError
from pipeline.registry import ModelCard, get_card
from pipeline.request import GenerationRequest, GenerationResult
from pipeline.weights import locate, weights_hash

Progress = Callable[[int, int], None]  # (step done, total steps)

_CACHE: dict[tuple[str, str, str], VideoPipeline] = {}
_CACHE_LOCK = threading.Lock()


def default_device() -> str:
    import torch  # on first use, here and in generate: `from pipeline import load` imports no torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load(model_name: str, weights: str | os.PathLike | None = None, device: str | None = None) -> VideoPipeline:
    """The loaded pipeline for a model card, loaded once per (card, weights folder, device) and reused.

    weights: a local folder overriding the card's source (see pipeline/weights.py for the order).
    Raises UnknownModelError, WeightsMissingError (naming the missing files and the fetch command).
    """
    card = get_card(model_name)
    folder = locate(card, weights)
    device = device or default_device()
    key = (card.name, str(folder.resolve()), device)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = VideoPipeline(card, folder, device)
        return _CACHE[key]


def clear_cache() -> None:
    """Forget every loaded pipeline (tests; freeing memory)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _load_backend(card: ModelCard, folder: Path, device: str):
    if card.backend == "diffusers":
        from pipeline.diffusers_backend import DiffusersBackend

        return DiffusersBackend(card, folder, device)
    if card.backend == "tinyworld":
        from pipeline.tinyworld.backend import load_tinyworld

        return load_tinyworld(folder, device)
    raise BackendError(f"{card.name}: unknown backend {card.backend!r}")


class VideoPipeline:
    """A loaded model card. Not for constructing directly: use load(), which caches."""

    def __init__(self, card: ModelCard, folder: Path, device: str):
        self.card, self.folder, self.device = card, folder, device
        start = time.perf_counter()
        self.backend = _load_backend(card, folder, device)
        self.load_seconds = time.perf_counter() - start
        self.weights_hash = weights_hash(folder)
        self.load_notes: list[str] = list(getattr(self.backend, "notes", []))
        self._lock = threading.Lock()  # one generation at a time: pipelines keep per-call state

    def __repr__(self) -> str:
        return f"VideoPipeline({self.card.name!r}, folder={str(self.folder)!r}, device={self.device!r})"

    def generate(self, request: GenerationRequest, progress: Progress | None = None, *,
                 round_to_allowed: bool = False) -> GenerationResult:
        """Resolve and check request against the card, seed a torch.Generator, run the backend.

        progress(step, total) is called after every denoising step. round_to_allowed: round frame
        counts and sizes to the nearest allowed value (with a note) instead of raising RequestError.

        timings: "validate" (resolving, resizing uploads), "denoise" (from the backend call to the
        last step's callback: prompt encoding, conditioning, all steps), "decode" (after the last
        step: VAE decode and conversion to uint8), "total".
        peak_memory_bytes: on CUDA, the peak allocated during this call; on CPU, the process's
        peak resident set size so far (the OS cannot reset it per call).
        """
        import torch

        with self._lock:
            start = time.perf_counter()
            resolved, notes = request.resolve(self.card, round_to_allowed=round_to_allowed)
            generator = torch.Generator("cpu").manual_seed(resolved.seed)  # CPU: same noise on any device
            last_step = [None]

            def callback(step: int, total: int) -> None:
                last_step[0] = time.perf_counter()
                if progress is not None:
                    progress(step, total)

            on_cuda = self.device.startswith("cuda")
            if on_cuda:
                torch.cuda.reset_peak_memory_stats(self.device)
            called = time.perf_counter()
            frames, info = self.backend.generate(resolved, generator, callback)
            done = time.perf_counter()
            peak = (torch.cuda.max_memory_allocated(self.device) if on_cuda
                    else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)  # Linux: KiB
            expected = (resolved.frames, resolved.height, resolved.width, 3)
            if getattr(frames, "shape", None) != expected or frames.dtype.name != "uint8":
                raise BackendError(f"{self.card.name}: the backend returned {getattr(frames, 'dtype', '?')} "
                                   f"{getattr(frames, 'shape', type(frames).__name__)}; expected uint8 {expected}")
            denoised = last_step[0] or done
            timings = {"validate": called - start, "denoise": denoised - called, "decode": done - denoised,
                       "total": done - start}
            return GenerationResult(
                frames=frames, fps=resolved.fps, request=resolved, seed=resolved.seed, timings=timings,
                peak_memory_bytes=int(peak), model=self.card.name, weights_hash=self.weights_hash,
                notes=self.load_notes + notes + list(info.get("notes", [])), caption=info.get("caption"),
                audio=info.get("audio"))
