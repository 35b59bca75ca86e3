"""Feature extractors behind one interface, loaded only from a local cache folder.

    python -m eval fetch clip            # where there is internet: download, then sha256-check
    python -m eval fetch i3d lpips

The cache folder is $SPACETIME_EXTRACTORS (default ~/.cache/spacetime-lab/extractors). Nothing
is ever downloaded while scoring: a missing file makes its metric "unavailable" with the reason
and the fetch command. Each extractor's files are sha256-checked when loaded: against the pinned
digest where one is published (torchvision's AlexNet names its digest's first 8 hex digits), else
against the SHA256SUMS that `fetch` wrote when it downloaded them, so a changed or truncated file
is refused rather than scored with.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pipeline.torchvision_cpu  # noqa: F401  (CLIP, LPIPS and torchmetrics import torchvision)
from eval.metrics.base import Unavailable

SUMS = "SHA256SUMS"


def cache_dir() -> Path:
    return Path(os.environ.get("SPACETIME_EXTRACTORS", Path.home() / ".cache" / "spacetime-lab" / "extractors"))


@dataclass(frozen=True)
class Loaded:
    name: str  # the extractor's name as rows record it, e.g. "clip-vit-base-patch32"
    sha256: str  # digest of its weights file
    model: object  # what the metric calls (see each loader)


@dataclass(frozen=True)
class Extractor:
    key: str  # the EXTRACTORS key and `fetch` argument
    name: str  # recorded in every row it produces
    folder: str  # under cache_dir()
    weights: str  # the file whose digest is recorded
    files: tuple[str, ...]  # every file that must be there
    sha256_prefix: str | None  # pinned digest (or its prefix) where one is published
    loader: Callable[[Path], object]  # folder -> model
    fetcher: Callable[[Path], None]  # folder -> downloads the files (needs internet)

    def path(self) -> Path:
        return cache_dir() / self.folder

    def load(self) -> Loaded:
        """The model, or Unavailable naming the missing file and the fetch command."""
        folder = self.path()
        missing = [f for f in self.files if not (folder / f).is_file()]
        if missing:
            # The cache's folder name, not its path: the reason is shown on a public page and stored in the table.
            raise Unavailable(f"{self.name} weights not in the extractor cache (its folder {self.folder} lacks "
                              f"{', '.join(missing)}); "
                              f"run `python -m eval fetch {self.key}` where there is internet")
        digest = file_sha256(folder / self.weights)
        expected = self.sha256_prefix or recorded_sums(folder).get(self.weights)
        if expected is None:
            raise Unavailable(f"{self.name}: {self.folder}/{self.weights} has no recorded sha256 ({SUMS}); "
                              f"run `python -m eval fetch {self.key}` to download and record it")
        if not digest.startswith(expected):
            raise Unavailable(f"{self.name}: {self.weights} sha256 {digest[:16]}... does not match {expected[:16]}...; "
                              f"not the published weights: run `python -m eval fetch {self.key}` again")
        return Loaded(self.name, digest, _load_cached(self.loader, str(folder), digest))


@lru_cache(maxsize=8)
def _load_cached(loader: Callable[[Path], object], folder: str, digest: str) -> object:
    return loader(Path(folder))  # keyed by digest: a replaced file is loaded again


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def recorded_sums(folder: Path) -> dict[str, str]:
    path = folder / SUMS
    if not path.is_file():
        return {}
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in path.read_text().split("\n") if line.strip())}


def record_sums(folder: Path, names: tuple[str, ...]) -> None:
    (folder / SUMS).write_text("".join(f"{file_sha256(folder / n)} {n}\n" for n in names))


# ---------------------------------------------------------------- CLIP (transformers)

CLIP_REPO = "openai/clip-vit-base-patch32"
CLIP_FILES = ("config.json", "model.safetensors", "tokenizer_config.json", "vocab.json", "merges.txt")


def _load_clip(folder: Path):
    """(CLIPModel, CLIPProcessor) from a folder; safetensors only."""
    from transformers import CLIPModel, CLIPProcessor

    model = CLIPModel.from_pretrained(folder, use_safetensors=True).eval()
    return model, CLIPProcessor.from_pretrained(folder)


def _fetch_clip(folder: Path) -> None:
    from huggingface_hub import snapshot_download

    snapshot_download(CLIP_REPO, local_dir=folder, allow_patterns=[*CLIP_FILES, "preprocessor_config.json", "tokenizer.json", "special_tokens_map.json"])


# ---------------------------------------------------------------- I3D (StyleGAN-V's TorchScript file)

I3D_URL = "https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=1"


def _load_i3d(folder: Path):
    import torch

    return torch.jit.load(str(folder / "i3d_torchscript.pt"), map_location="cpu").eval()


def _fetch_i3d(folder: Path) -> None:
    urllib.request.urlretrieve(I3D_URL, folder / "i3d_torchscript.pt")


# ---------------------------------------------------------------- LPIPS (AlexNet backbone + lpips' own linear layers)

ALEXNET_FILE = "alexnet-owt-7be5be79.pth"  # torchvision's ImageNet AlexNet; its name carries its sha256 prefix
ALEXNET_URL = f"https://download.pytorch.org/models/{ALEXNET_FILE}"


def _load_lpips(folder: Path):
    """lpips.LPIPS(net='alex') with the backbone read from the cache, not torchvision's download.

    The linear calibration layers ship inside the lpips package; pnet_rand=True stops lpips
    from downloading AlexNet itself, and the cached backbone is copied into its slices.
    """
    import pipeline.torchvision_cpu  # noqa: F401  (torchvision's CUDA wheel on CPU torch)
    import lpips
    import torch
    import torchvision

    backbone = torchvision.models.alexnet()
    backbone.load_state_dict(torch.load(folder / ALEXNET_FILE, map_location="cpu", weights_only=True))
    model = lpips.LPIPS(net="alex", pretrained=True, pnet_rand=True, verbose=False)
    for piece in (model.net.slice1, model.net.slice2, model.net.slice3, model.net.slice4, model.net.slice5):
        for index, layer in piece.named_children():
            layer.load_state_dict(backbone.features[int(index)].state_dict())
    return model.eval()


def _fetch_lpips(folder: Path) -> None:
    urllib.request.urlretrieve(ALEXNET_URL, folder / ALEXNET_FILE)


EXTRACTORS: dict[str, Extractor] = {
    "clip": Extractor("clip", "clip-vit-base-patch32", "clip-vit-base-patch32", "model.safetensors", CLIP_FILES,
                      None, _load_clip, _fetch_clip),
    "i3d": Extractor("i3d", "i3d-stylegan-v", "i3d", "i3d_torchscript.pt", ("i3d_torchscript.pt",),
                     None, _load_i3d, _fetch_i3d),
    "lpips": Extractor("lpips", "lpips-alex", "lpips-alex", ALEXNET_FILE, (ALEXNET_FILE,),
                       "7be5be79", _load_lpips, _fetch_lpips),
}


def fetch(key: str) -> Path:
    """Download one extractor's files into the cache and record their sha256 (needs internet)."""
    extractor = EXTRACTORS[key]
    folder = extractor.path()
    folder.mkdir(parents=True, exist_ok=True)
    extractor.fetcher(folder)
    if extractor.sha256_prefix and not file_sha256(folder / extractor.weights).startswith(extractor.sha256_prefix):
        (folder / extractor.weights).unlink()
        raise ValueError(f"{key}: the downloaded {extractor.weights} does not match sha256 {extractor.sha256_prefix}...; removed")
    record_sums(folder, extractor.files)
    return folder
