"""The world encoder: a small video-text contrastive model trained on world clips, for offline metrics.

    from eval.world_encoder import load_world_encoder
    enc = load_world_encoder()                  # eval/world_encoder/weights, cached per process
    enc.embed_videos([clip_frames])             # uint8 (T, H, W, 3) clips -> (N, D) float32, L2-normalised
    enc.embed_texts(["a red ball moves right"]) # captions or short prompts, en or zh -> (N, D)
    enc.score(clip_frames, caption)             # 100 * max(cosine, 0)

It gives the CLIP-style score and the FVD features in the world domain when no real CLIP or I3D
weights are at hand; rows it produces are labelled "world-encoder" and its weights hash, never
confused with OpenAI-CLIP scores or I3D FVD. Trained with `python -m eval.world_encoder.train`;
the bar it meets is in weights/REPORT.md (benchmarks/world_encoder_bar.py measures it).
"""

from eval.world_encoder.score import WEIGHTS, WorldEncoderScorer, load_world_encoder

__all__ = ["WEIGHTS", "WorldEncoderScorer", "load_world_encoder"]
