"""Tiny random feature extractors of the real classes, saved as the cache expects them.

Their values are NOT real scores: the weights are random. They exist so that the code paths that
load and call CLIP, I3D and LPIPS run in tests without the real weights.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

import pipeline.torchvision_cpu  # noqa: F401  (first: transformers' image processors import torchvision)
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

from eval.metrics.extractors import ALEXNET_FILE, record_sums


def save_tiny_clip(folder: Path) -> Path:
    """A 1-layer CLIPModel (width 32) with a character-level CLIP tokenizer, saved as safetensors."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    letters = [chr(c) for c in range(33, 127)]
    vocab = {t: i for i, t in enumerate(letters + [c + "</w>" for c in letters] + ["<|startoftext|>", "<|endoftext|>"])}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    config = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=77, bos_token_id=vocab["<|startoftext|>"],
                         eos_token_id=vocab["<|endoftext|>"], pad_token_id=vocab["<|endoftext|>"]),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                           image_size=32, patch_size=8),
        projection_dim=16)
    CLIPModel(config).eval().save_pretrained(folder, safe_serialization=True)
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    record_sums(folder, ("model.safetensors",))
    return folder


class TinyI3D(torch.nn.Module):
    """StyleGAN-V I3D's call signature, random weights: (B, 3, T, H, W) -> (B, 400)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv3d(3, 8, kernel_size=3, stride=(2, 8, 8))
        self.head = torch.nn.Linear(8, 400)

    def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False, return_features: bool = False):
        features = self.head(self.conv(x).mean(dim=(2, 3, 4)))
        return features if return_features else features.softmax(dim=1)


def save_tiny_i3d(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    torch.jit.script(TinyI3D()).save(str(folder / "i3d_torchscript.pt"))
    record_sums(folder, ("i3d_torchscript.pt",))
    return folder


def save_random_alexnet(folder: Path) -> Path:
    """torchvision's AlexNet with random weights under the real file name (its sha256 will not match)."""
    import torchvision

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    torch.save(torchvision.models.alexnet().state_dict(), folder / ALEXNET_FILE)
    return folder
