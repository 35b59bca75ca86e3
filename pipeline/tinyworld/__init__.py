"""tinyworld: the embedded mini-Sora, trained here (on the CPU, and on a GPU where one is lent) on the procedural world.

    python -m pipeline generate --model tinyworld --mode t2v --prompt "a red ball falls and bounces" --out clip.mp4
    python -m pipeline.tinyworld.train --minutes 120 --out runs/tinyworld

Files, in the order data flows:
    config.py       TrainConfig (frozen, a comment per field) and the held-out combinations
    data.py         the seeded clip stream from world/ (rendered in worker processes if asked) and the keep-masks
    vae.py          TinyVideoAutoencoder: frames <-> 8x-smaller latents, frame by frame
    text.py         the word-level tokenizer (en, zh) and TinyTextEncoder
    transformer.py  TinyWorldTransformer: spacetime patches, DiT blocks, velocity out
    pipeline.py     TinyWorldPipeline: diffusers order, rectified flow, CFG, kept frames
    backend.py      the shared pipeline's entry: a GenerationRequest -> frames
    train_vae.py, train.py, export.py, report.py   making the weights in weights/
"""
