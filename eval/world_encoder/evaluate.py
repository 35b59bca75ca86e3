"""The bar: caption retrieval on held-out clips, against each clip's one-thing-different twins.

    python benchmarks/world_encoder_bar.py          # 256 held-out clips, English and Chinese

For every clip of a held-out scene (its subject's (colour, shape, event) never trained on), 32
candidate captions in one language: its own, all its twins (data.twins: direction mirrored,
camera pan mirrored, subject recoloured, reshaped, resized, the second object recoloured or
reshaped, roles swapped, background flipped) and other clips' captions to fill the rest.
top1: the share of clips whose own caption scores highest. mirror: of the clips whose event has a
direction, the share whose own caption outscores its direction-mirrored twin. Each twin kind's
win rate is reported too, so a miss can be traced to what the encoder confuses.
"""

from __future__ import annotations

import numpy as np

from eval.world_encoder.data import held_out_spec, twins, write
from world.render import make_clip

CANDIDATES = 32


def held_out_clips(n: int, seed: int, frames: int = 16, width: int = 64, height: int = 64) -> list:
    """n rendered clips of held-out scenes (world.render.Clip), the same for the same seed."""
    rng = np.random.default_rng([seed, 25])
    specs = [held_out_spec(rng) for _ in range(n)]
    return [make_clip(s, seed=int(rng.integers(2**31)), frames=frames, width=width, height=height) for s in specs]


def retrieval(scorer, n: int = 256, seed: int = 0, lang: str = "en", clips: list | None = None, short: bool = False) -> dict:
    """top1, mirror and per-twin win rates over n held-out clips (or the given clips)."""
    clips = clips if clips is not None else held_out_clips(n, seed)
    rng = np.random.default_rng([seed, 26])
    specs = [c.scene.spec for c in clips]
    own = [write(s, lang, short) for s in specs]
    video = scorer.embed_videos([c.frames for c in clips])  # (N, D)
    hits, wins = [], {}
    for i, spec in enumerate(specs):
        named = {k: write(t, lang, short) for k, t in twins(spec, rng).items()}
        texts = [own[i]] + [t for t in dict.fromkeys(named.values()) if t != own[i]]
        fill = [t for t in dict.fromkeys(own) if t not in texts]
        texts += [fill[j] for j in rng.permutation(len(fill))[: CANDIDATES - len(texts)]]
        scores = scorer.embed_texts(texts) @ video[i]  # (32,)
        hits.append(int(np.argmax(scores)) == 0)
        by_text = dict(zip(texts, scores))
        for k, t in named.items():
            if t != own[i]:
                wins.setdefault(k, []).append(bool(scores[0] > by_text[t]))
    result = {"top1": float(np.mean(hits)), "mirror": float(np.mean(wins.get("mirror", [np.nan]))),
              "clips": len(clips), "mirror_clips": len(wins.get("mirror", []))}
    result.update({f"beats_{k}": float(np.mean(v)) for k, v in sorted(wins.items()) if k != "mirror"})
    return result
