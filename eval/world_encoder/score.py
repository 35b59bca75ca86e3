"""The world encoder as the metrics use it: embed videos and texts, score a (video, text) pair.

    python -c "from eval.world_encoder import load_world_encoder; e = load_world_encoder(); print(e.name, e.weights_hash)"

Inputs: uint8 clips (T, H, W, 3), any T >= 1 (more than 8 frames are subsampled evenly to 8:
16 frames -> every other one), any size the world renders; each frame is resized to 48x48
(area filter, non-square sizes stretched) in the model's preprocessing. Texts: detailed captions or short prompts, English or Chinese.
Runs in fp32 on the CPU with torch's current thread count.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from eval.world_encoder.model import EncoderConfig, WorldEncoder, preprocess
from eval.world_encoder.text import load_tokenizer, tokenize
from pipeline.weights import weights_hash

WEIGHTS = Path(__file__).resolve().parent / "weights"
FILES = ("model.safetensors", "config.json", "tokenizer.json")
TEXT_BATCH = 256  # texts per forward pass: bounds memory for long candidate lists


class WorldEncoderScorer:
    name = "world-encoder"

    def __init__(self, model: WorldEncoder, tokenizer, weights_hash: str):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.weights_hash = weights_hash
        self._text_cache: dict[str, np.ndarray] = {}  # caption -> embedding: prompts repeat across a suite

    @torch.no_grad()
    def embed_videos(self, videos: list[np.ndarray]) -> np.ndarray:
        """uint8 (T, H, W, 3) clips -> float32 (N, D), L2-normalised. Clips of one shape go through together."""
        out = np.zeros((len(videos), self.model.cfg.embed_dim), np.float32)
        groups: dict[tuple, list[int]] = {}
        for i, v in enumerate(videos):
            groups.setdefault(tuple(np.shape(v)), []).append(i)
        for shape, index in groups.items():
            x = preprocess(np.stack([np.asarray(videos[i]) for i in index]), self.model.cfg)  # (n, T, 3, S, S)
            out[index] = self.model.encode_video(x).numpy()
        return out

    @torch.no_grad()
    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Captions or short prompts (en or zh) -> float32 (N, D), L2-normalised; cached per text."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._text_cache))
        for start in range(0, len(todo), TEXT_BATCH):
            chunk = todo[start : start + TEXT_BATCH]
            ids, mask = tokenize(self.tokenizer, chunk)
            for text, e in zip(chunk, self.model.encode_text(ids, mask).numpy()):
                self._text_cache[text] = e
        return np.stack([self._text_cache[t] for t in texts]) if texts else np.zeros((0, self.model.cfg.embed_dim), np.float32)

    def score(self, video: np.ndarray, text: str) -> float:
        """100 * max(cosine, 0): the clip_score scale."""
        cosine = float(self.embed_videos([video])[0] @ self.embed_texts([text])[0])
        return 100.0 * max(cosine, 0.0)


def load_from(folder: Path) -> WorldEncoderScorer:
    from safetensors.torch import load_file

    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        raise FileNotFoundError(
            f"world encoder weights missing from {folder}: {missing}. They ship with the repository; "
            f"retrain with `python -m eval.world_encoder.train --minutes 60 --out runs/world_encoder --export`.")
    made = json.loads((folder / "config.json").read_text())
    model = WorldEncoder(EncoderConfig.from_dict(made["encoder"]))
    model.load_state_dict(load_file(str(folder / "model.safetensors")))
    return WorldEncoderScorer(model, load_tokenizer(folder / "tokenizer.json"), weights_hash(folder))


@lru_cache(maxsize=4)
def _cached(folder: str) -> WorldEncoderScorer:
    return load_from(Path(folder))


def load_world_encoder(folder: str | Path | None = None) -> WorldEncoderScorer:
    """The shipped encoder (eval/world_encoder/weights), loaded once per process and folder."""
    return _cached(str(Path(folder or WEIGHTS).resolve()))
