"""Feature extractors behind one interface: from the local cache, or downloaded on first use.

    python -m eval fetch clip            # download now (tqdm bar), sha256-check, record the digests
    python -m eval fetch i3d lpips

The cache folder is $SPACETIME_EXTRACTORS (default ~/.cache/spacetime-lab/extractors). When an
extractor's files are missing there (and, for CLIP, not preloaded in the Hugging Face cache at the
pinned revision, as a Space's `preload_from_hub` puts them), they are downloaded on first use
where the network is allowed: not with HF_HUB_OFFLINE=1, not with SPACETIME_FETCH=never
(pipeline/download.py). Each file is sha256-checked before it takes its real name: against the
pinned digest where one is published (torchvision's AlexNet names its digest's first 8 hex
digits), else against the sha256 the Hub reports for the pinned commit (CLIP's weights), else it
is recorded in SHA256SUMS when first downloaded. A refused or failed download leaves no file under
the real name and makes the metric "unavailable" with the reason. Every later load checks the
files against the pins or SHA256SUMS, so a changed or truncated file is refused, not scored with.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pipeline.torchvision_cpu  # noqa: F401  (CLIP, LPIPS and torchmetrics import torchvision)
from eval.metrics.base import Unavailable
from pipeline.download import (DownloadError, download, file_sha256, hub_endpoint, human_size, mirrored,
                               network_refusal, tqdm_progress)

SUMS = "SHA256SUMS"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DOWNLOADING: dict[str, threading.Lock] = {}  # one download of an extractor at a time per process

# What a download reports to the app or the CLI: (bytes so far, total bytes or None, what, e.g.
# "Downloading CLIP ViT-B/32, 605 MB").
Report = Callable[[int, "int | None", str], None]


def cache_dir() -> Path:
    return Path(os.environ.get("SPACETIME_EXTRACTORS", Path.home() / ".cache" / "spacetime-lab" / "extractors"))


@dataclass(frozen=True)
class Loaded:
    name: str  # the extractor's name as rows record it, e.g. "clip-vit-base-patch32"
    sha256: str  # digest of its weights file
    model: object  # what the metric calls (see each loader)


@dataclass(frozen=True)
class Source:
    url: str  # where the file is downloaded from
    sha256: str | None  # what its digest must be (or start with); None: recorded when first downloaded
    size: int | None  # bytes, when known before the download


@dataclass(frozen=True)
class Extractor:
    key: str  # the EXTRACTORS key and `fetch` argument
    name: str  # recorded in every row it produces
    title: str  # what a person reads in "Downloading CLIP ViT-B/32, 605 MB"
    folder: str  # under cache_dir()
    weights: str  # the file whose digest is recorded
    files: tuple[str, ...]  # every file that must be there
    pins: dict[str, str]  # file -> its published sha256 (or the published prefix of it)
    loader: Callable[[Path], object]  # folder -> model
    sources: Callable[[Extractor], dict[str, Source]]  # file -> where to download it (may ask the Hub)
    hub: tuple[str, str] | None = None  # (repo_id, pinned commit) when the files come from the Hub
    optional: tuple[str, ...] = field(default=())  # downloaded too when the source has them

    def path(self) -> Path:
        return cache_dir() / self.folder

    def missing(self, folder: Path) -> list[str]:
        return [f for f in self.files if not (folder / f).is_file()]

    def load(self, progress: Report | None = None) -> Loaded:
        """The model: from the cache, else from the Hugging Face cache (CLIP preloaded on a Space), else
        downloaded now where the network is allowed; otherwise Unavailable with the reason and the fetch command.
        progress: told how the download goes (None: a tqdm bar on stderr)."""
        folder = self.path()
        missing = self.missing(folder)
        if missing:
            preloaded = self.preloaded()
            if preloaded is not None:
                return self._checked(preloaded, {})
            refusal = network_refusal()
            if refusal:
                # The cache's folder name, not its path: the reason is shown on a public page and stored in the table.
                raise Unavailable(f"{self.name} weights not in the extractor cache (its folder {self.folder} lacks "
                                  f"{', '.join(missing)}) and not downloaded ({refusal}); "
                                  f"run `python -m eval fetch {self.key}` where there is internet")
            try:
                self.download(progress)
            except DownloadError as error:
                raise Unavailable(f"{self.name}: download failed: {error}") from None
        return self._checked(folder, recorded_sums(folder))

    def _checked(self, folder: Path, sums: dict[str, str]) -> Loaded:
        """Loaded from folder once every pinned file and the weights match their digests."""
        digests = {}
        for name in sorted({*self.pins, self.weights}):
            expected = self.pins.get(name) or sums.get(name) or _hub_blob_digest(folder / name)
            if expected is None:
                raise Unavailable(f"{self.name}: {self.folder}/{name} has no recorded sha256 ({SUMS}); "
                                  f"run `python -m eval fetch {self.key}` to download and record it")
            digests[name] = file_sha256(folder / name)  # the content itself, also in the Hugging Face cache
            if not digests[name].startswith(expected):
                raise Unavailable(f"{self.name}: {name} sha256 {digests[name][:16]}... does not match {expected[:16]}...; "
                                  f"not the published weights: run `python -m eval fetch {self.key}` again")
        digest = digests[self.weights]
        return Loaded(self.name, digest, _load_cached(self.loader, str(folder), digest))

    def preloaded(self) -> Path | None:
        """The snapshot folder of the Hub files at the pinned commit in the Hugging Face cache, if all are there."""
        if self.hub is None:
            return None
        from huggingface_hub import try_to_load_from_cache

        repo_id, revision = self.hub
        paths = [try_to_load_from_cache(repo_id, name, revision=revision) for name in self.files]
        if not all(isinstance(p, str) for p in paths):
            return None
        return Path(paths[0]).parent

    def download(self, progress: Report | None = None, again: bool = False) -> Path:
        """Download every file into the cache (sha256-checked, resumable) and record their digests.
        again: even when the files are there (`python -m eval fetch`)."""
        lock = _DOWNLOADING.setdefault(self.key, threading.Lock())
        with lock:  # a second caller waits, then finds the files there
            folder = self.path()
            if not again and not self.missing(folder) and (folder / SUMS).is_file():
                return folder
            sources = self.sources(self)
            sizes = [s.size for s in sources.values()]
            total = sum(sizes) if None not in sizes else None
            close = None
            if progress is None:
                bar, close = tqdm_progress(f"Downloading {self.title}", total)
                progress = lambda done, size, what: bar(done, size)  # noqa: E731
            done, digests = 0, {}
            try:
                for name, source in sources.items():
                    def on_bytes(have: int, size: int | None, before: int = done) -> None:
                        whole = total if total is not None else (size if len(sources) == 1 else None)
                        progress(before + have, whole, f"Downloading {self.title}, {human_size(whole)}")

                    digests[name] = download(source.url, folder / name, source.sha256, on_bytes)
                    done += (folder / name).stat().st_size
            finally:
                if close:
                    close()
            (folder / SUMS).write_text("".join(f"{digest} {name}\n" for name, digest in digests.items()))
            return folder


@lru_cache(maxsize=8)
def _load_cached(loader: Callable[[Path], object], folder: str, digest: str) -> object:
    return loader(Path(folder))  # keyed by digest: a replaced file is loaded again


def _hub_blob_digest(path: Path) -> str | None:
    """A Hugging Face cache file is a link to a blob named by its sha256 (for LFS files): that name."""
    if path.is_symlink() and _HEX64.fullmatch(Path(os.readlink(path)).name):
        return Path(os.readlink(path)).name
    return None


def recorded_sums(folder: Path) -> dict[str, str]:
    path = folder / SUMS
    if not path.is_file():
        return {}
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in path.read_text().split("\n") if line.strip())}


def record_sums(folder: Path, names: tuple[str, ...]) -> None:
    (folder / SUMS).write_text("".join(f"{file_sha256(folder / n)} {n}\n" for n in names))


def hub_sources(extractor: Extractor) -> dict[str, Source]:
    """Each file's resolve URL at the pinned commit, its size, and the digest to check: the pin, else the
    sha256 the Hub reports for an LFS file at that commit. Optional files the Hub lacks are left out."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import EntryNotFoundError

    repo_id, revision = extractor.hub
    sources = {}
    for name in (*extractor.files, *extractor.optional):
        url = hf_hub_url(repo_id, name, revision=revision, endpoint=hub_endpoint())
        try:
            meta = get_hf_file_metadata(url)
        except EntryNotFoundError:
            if name in extractor.optional:
                continue
            raise DownloadError(f"{repo_id}@{revision[:8]} has no {name}") from None
        except Exception as error:  # the Hub client's errors are many: say which, in one line
            raise DownloadError(f"{repo_id}: {type(error).__name__}: {str(error).strip().splitlines()[0][:200] if str(error).strip() else ''}") from None
        if meta.commit_hash and meta.commit_hash != revision:
            raise DownloadError(f"{repo_id}: the Hub answered commit {meta.commit_hash[:8]}, not the pinned {revision[:8]}")
        published = meta.etag if meta.etag and _HEX64.fullmatch(meta.etag) else None  # an LFS file's sha256
        sources[name] = Source(url, extractor.pins.get(name) or published, meta.size)
    return sources


def url_sources(urls: dict[str, str]) -> Callable[[Extractor], dict[str, Source]]:
    """Files at published URLs (sent to $SPACETIME_DOWNLOAD_MIRROR when set), checked against the pins."""
    return lambda extractor: {name: Source(mirrored(url), extractor.pins.get(name), None) for name, url in urls.items()}


# ---------------------------------------------------------------- CLIP (transformers)

CLIP_REPO = "openai/clip-vit-base-patch32"
CLIP_REVISION = "3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268"  # the Hub's main of CLIP_REPO, pinned
CLIP_FILES = ("config.json", "model.safetensors", "tokenizer_config.json", "vocab.json", "merges.txt")
CLIP_OPTIONAL = ("preprocessor_config.json", "processor_config.json", "tokenizer.json", "special_tokens_map.json")


def _load_clip(folder: Path):
    """(CLIPModel, CLIPProcessor) from a folder; safetensors only."""
    from transformers import CLIPModel, CLIPProcessor

    model = CLIPModel.from_pretrained(folder, use_safetensors=True).eval()
    return model, CLIPProcessor.from_pretrained(folder)


# ---------------------------------------------------------------- I3D (StyleGAN-V's TorchScript file)

I3D_URL = "https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=1"  # StyleGAN-V's metrics/frechet_video_distance.py


def _load_i3d(folder: Path):
    import torch

    return torch.jit.load(str(folder / "i3d_torchscript.pt"), map_location="cpu").eval()


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


# Pinned digests: only published ones. CLIP's weights are checked against the sha256 the Hub reports
# for the pinned commit, StyleGAN-V publishes no digest for its I3D file (recorded on first download).
EXTRACTORS: dict[str, Extractor] = {
    "clip": Extractor("clip", "clip-vit-base-patch32", "CLIP ViT-B/32", "clip-vit-base-patch32", "model.safetensors",
                      CLIP_FILES, {}, _load_clip, hub_sources, hub=(CLIP_REPO, CLIP_REVISION), optional=CLIP_OPTIONAL),
    "i3d": Extractor("i3d", "i3d-stylegan-v", "I3D (StyleGAN-V FVD)", "i3d", "i3d_torchscript.pt", ("i3d_torchscript.pt",),
                     {}, _load_i3d, url_sources({"i3d_torchscript.pt": I3D_URL})),
    "lpips": Extractor("lpips", "lpips-alex", "LPIPS AlexNet", "lpips-alex", ALEXNET_FILE, (ALEXNET_FILE,),
                       {ALEXNET_FILE: "7be5be79"}, _load_lpips, url_sources({ALEXNET_FILE: ALEXNET_URL})),
}


def fetch(key: str, progress: Report | None = None) -> Path:
    """Download one extractor's files into the cache now and record their sha256 (needs internet;
    SPACETIME_FETCH=never does not stop an explicit fetch, HF_HUB_OFFLINE does)."""
    refusal = network_refusal(on_demand=False)
    if refusal:
        raise ValueError(f"{key}: {refusal}, so nothing is downloaded; unset it to fetch")
    try:
        return EXTRACTORS[key].download(progress, again=True)
    except DownloadError as error:
        raise ValueError(f"{key}: {error}") from None


__all__ = ["EXTRACTORS", "Extractor", "Loaded", "Report", "Source", "cache_dir", "fetch"]
