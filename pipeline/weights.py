"""Where a model's weights are, whether they are complete, their hash, and fetching them.

    python -m pipeline fetch ltx-video            # downloads into the Hugging Face cache (needs internet)

    from pipeline.weights import locate, weights_hash
    folder = locate(get_card("ltx-video"))        # never downloads; WeightsMissingError if absent

Where a card's weights are looked for, first match wins:
    1. the `weights` argument (`load(name, weights=DIR)`, `--weights DIR`)
    2. the environment variable SPACETIME_WEIGHTS_<NAME> (registry.weights_env_var)
    3. the card's repository folder (tinyworld: pipeline/tinyworld/weights)
    4. the Hugging Face cache (HF_HOME), where `fetch` puts the card's repo_id at its revision

Loading never downloads: a missing or incomplete folder is one WeightsMissingError naming the
missing files, the folder, and the command that fetches them. `fetch` is also what the app's
"Download weights" button runs (ui/weights_button.py): the size first (`download_size`), the disk
checked, progress and Stop.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import json
import os
import re
import shutil
import threading
from pathlib import Path

from pipeline.download import DownloadStopped, Progress, hub_endpoint, human_size, network_refusal
from pipeline.errors import FetchError, WeightsMissingError
from pipeline.registry import ModelCard, weights_env_var

REPO_ROOT = Path(__file__).resolve().parent.parent
HASHED_SUFFIXES = (".safetensors", ".json", ".model", ".txt", ".jinja")  # weights, configs, tokenizer files
_HEX64 = re.compile(r"[0-9a-f]{64}")
_file_hashes: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256


# ----------------------------------------------------------------------------------------
# Locating and checking
# ----------------------------------------------------------------------------------------


def locate(card: ModelCard, weights: str | os.PathLike | None = None) -> Path:
    """The folder holding card's weights (see the module docstring for the order); checked complete."""
    env = weights_env_var(card.name)
    if weights is not None:
        folder, origin = Path(weights), "the weights argument"
    elif os.environ.get(env):
        folder, origin = Path(os.environ[env]), f"${env}"
    elif card.folder:
        folder, origin = REPO_ROOT / card.folder, "the card's folder"
    else:
        folder, origin = _hub_cache_folder(card), "the Hugging Face cache"
    folder = folder.expanduser()
    missing = missing_files(card, folder)
    if not missing:
        unloadable = tokenizer_problems(card, folder)  # every file there, but can each tokenizer load from them?
        if not unloadable:
            return folder
        raise WeightsMissingError(f"{card.name}: {'; '.join(unloadable)} (in the weights folder {folder.name!r}, "
                                  f"{origin}). Point --weights DIR or ${env} at a folder whose tokenizer loads.")
    if card.repo_id:
        remedy = f"Run `python -m pipeline fetch {card.name}` where there is internet"
    else:
        remedy = f"They ship with this repository in {card.folder} (written by its export script)"
    remedy += f", or point --weights DIR or ${env} at a folder that has them."
    if not folder.is_dir():
        raise WeightsMissingError(f"{card.name}: no weights folder {folder} ({origin}). {remedy}")
    shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
    raise WeightsMissingError(f"{card.name}: weights incomplete in {folder} ({origin}): missing {shown}. {remedy}")
    return folder


def missing_files(card: ModelCard, folder: Path) -> list[str]:
    """What is missing for card in folder (relative paths, or the folder itself); [] if complete."""
    if not folder.is_dir():
        return [f"{folder} (no such folder)"]
    index = folder / "model_index.json"
    if not index.is_file():
        if card.backend != "diffusers" and any(folder.rglob("*.safetensors")):
            return []  # another layout: the backend's own loader checks it in detail
        return ["model_index.json"]
    missing = []
    for component, spec in json.loads(index.read_text()).items():
        if component.startswith("_") or not isinstance(spec, list) or spec[0] is None or spec[1] is None:
            continue
        missing += _missing_in_component(folder, component, spec[1])
    return missing


def _missing_in_component(folder: Path, component: str, class_name: str) -> list[str]:
    sub = folder / component
    if "Tokenizer" in class_name:
        known = ("tokenizer.json", "spiece.model", "vocab.json", "tokenizer_config.json")
        return [] if any((sub / f).is_file() for f in known) else [f"{component}/tokenizer.json"]
    config_only = {"Scheduler": "scheduler_config.json", "Guidance": "guider_config.json",
                   "Processor": "preprocessor_config.json"}  # components with no weights
    for kind, name in config_only.items():
        if kind in class_name:
            return [] if (sub / name).is_file() else [f"{component}/{name}"]
    missing = [] if (sub / "config.json").is_file() else [f"{component}/config.json"]
    shards = sorted(sub.glob("*.safetensors.index.json"))
    if shards:  # sharded: every file the index names
        names = sorted(set(json.loads(shards[0].read_text())["weight_map"].values()))
        missing += [f"{component}/{n}" for n in names if not (sub / n).is_file()]
    elif not any(sub.glob("*.safetensors")):
        pickles = [p.name for p in sub.glob("*.bin")] + [p.name for p in sub.glob("*.pt")]
        hint = f" (found {', '.join(pickles)}: pickles are not loaded, safetensors only)" if pickles else ""
        missing.append(f"{component}/*.safetensors{hint}")
    return missing


# SentencePiece models a "slow" tokenizer folder holds instead of tokenizer.json (T5's, Gemma's); transformers
# converts them on load, which needs the sentencepiece and protobuf packages.
SENTENCEPIECE_FILES = ("spiece.model", "tokenizer.model")
PROBE_TEXT = "a red ball"  # plain words every real tokenizer knows; a folder with no vocabulary makes them <unk>
_tokenizer_checks: dict[tuple, str | None] = {}  # (folder, class, files' names, sizes, mtimes) -> problem or None


def tokenizer_problems(card: ModelCard, folder: Path) -> list[str]:
    """Why each tokenizer in card's model_index.json cannot load from folder, one line each ('tokenizer/
    (T5Tokenizer) cannot load: ...'); [] when all load. Each is loaded with its transformers class, as
    from_pretrained will load it, and must encode PROBE_TEXT without unknown tokens; the answer is kept per folder
    state in this process."""
    index = folder / "model_index.json"
    if card.backend != "diffusers" or not index.is_file():
        return []
    problems = []
    for component, spec in json.loads(index.read_text()).items():
        if component.startswith("_") or not isinstance(spec, list) or len(spec) != 2 or "Tokenizer" not in str(spec[1]):
            continue
        problem = _tokenizer_problem(folder / component, spec[1])
        if problem:
            problems.append(f"{component}/ ({spec[1]}) cannot load: {problem}")
    return problems


def _tokenizer_problem(sub: Path, class_name: str) -> str | None:
    if not sub.is_dir():  # never a Hub id: from_pretrained would go looking online
        return "no such folder"
    files = sorted(p for p in sub.iterdir() if p.is_file())
    key = (str(sub.resolve()), class_name, tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files))
    if key not in _tokenizer_checks:
        _tokenizer_checks[key] = _load_problem(sub, class_name, [p.name for p in files])
    return _tokenizer_checks[key]


def _load_problem(sub: Path, class_name: str, names: list[str]) -> str | None:
    import transformers

    holds = f"the folder holds {', '.join(names) or 'nothing'}"
    sentencepiece = [n for n in SENTENCEPIECE_FILES if n in names and "tokenizer.json" not in names]
    try:
        tokenizer = getattr(transformers, class_name, transformers.AutoTokenizer).from_pretrained(
            sub, local_files_only=True)
        ids = tokenizer(PROBE_TEXT, add_special_tokens=False)["input_ids"]
    except Exception as e:  # transformers' loading errors are many; the cause is told from the files where it can be
        needed = [package for package, module in (("sentencepiece", "sentencepiece"), ("protobuf", "google.protobuf"))
                  if not _importable(module)]
        if sentencepiece and needed:
            return (f"{sentencepiece[0]} without tokenizer.json needs the {' and '.join(needed)} package"
                    f"{'s' if len(needed) > 1 else ''} to be read (pip install -r requirements.txt)")
        if sentencepiece:
            return f"{sentencepiece[0]} is not a SentencePiece model that can be read ({holds})"
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return f"{type(e).__name__}: {_no_paths(reason)[:200]} ({holds})"
    unknown = getattr(tokenizer, "unk_token_id", None)
    if not ids or (unknown is not None and unknown in ids):
        return (f"it has no vocabulary ({PROBE_TEXT!r} encodes to unknown tokens; {holds}; a tokenizer needs "
                f"tokenizer.json, or {' / '.join(SENTENCEPIECE_FILES)} / vocab.json with its packages)")
    return None


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module blocked in sys.modules
        return False


def _no_paths(text: str) -> str:
    """text with every absolute path cut to its last part (messages may reach a public page)."""
    return re.sub(r"(?<![\w:/])/[^\s'\"]+", lambda m: Path(m.group()).name, text)


def _hub_cache_folder(card: ModelCard) -> Path:
    """The cached snapshot of card.repo_id at card.revision, or a path that says it is absent."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(card.repo_id, revision=card.revision, allow_patterns=list(card.fetch_patterns),
                                      local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        from huggingface_hub.constants import HF_HUB_CACHE

        return Path(HF_HUB_CACHE) / ("models--" + card.repo_id.replace("/", "--"))


# ----------------------------------------------------------------------------------------
# Hashing
# ----------------------------------------------------------------------------------------


def weights_hash(folder: Path) -> str:
    """'sha256:<16 hex>' over the relative path and sha256 of every weight, config and tokenizer file.

    Files in the Hugging Face cache are symlinks to blobs named by their sha256, which is used as
    is; other files are hashed once per (path, size, mtime) in this process.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in HASHED_SUFFIXES):
        digest.update(f"{path.relative_to(folder).as_posix()} {_file_sha256(path)}\n".encode())
    return "sha256:" + digest.hexdigest()[:16]


def _file_sha256(path: Path) -> str:
    if path.is_symlink() and _HEX64.fullmatch(Path(os.readlink(path)).name):
        return Path(os.readlink(path)).name  # an LFS blob in the HF cache, named by its sha256
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _file_hashes:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _file_hashes[key] = h.hexdigest()
    return _file_hashes[key]


# ----------------------------------------------------------------------------------------
# Fetching
# ----------------------------------------------------------------------------------------


FETCH_RECORD = "spacetime-fetch.jsonl"  # beside the weights; not hashed (.jsonl), one line per fetch


def record_fetch(card: ModelCard, folder: Path, commit: str) -> dict:
    """Append what was fetched (repo, the revision asked for, the commit got, the weights hash) to
    folder/FETCH_RECORD, so that a sidecar's weights_hash can be traced back to a Hub commit."""
    entry = {"model": card.name, "repo_id": card.repo_id, "revision": card.revision, "commit": commit,
             "weights_hash": weights_hash(folder),
             "fetched_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    with open(folder / FETCH_RECORD, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
    return entry


def fetch(card: ModelCard, dest: str | os.PathLike | None = None, progress: Progress | None = None,
          stop: threading.Event | None = None) -> Path:
    """Download card's weights (safetensors, configs, tokenizer) into the HF cache, or into dest.

    A card whose weights ship in the repository (tinyworld) has nothing to fetch: its folder is
    checked and returned. progress: told (bytes so far, total bytes or None) as files arrive;
    stop: when set, the download ends at its next chunk with DownloadStopped (the Hub client keeps
    the partial files and resumes them next time). Files are fetched from $HF_ENDPOINT as it is now.

    Raises FetchError with the reason in one line when the Hub cannot be reached or the disk is too
    small for the download.
    """
    if not card.repo_id:  # nothing to download: say where they are, or that they are missing
        return locate(card, dest)
    refusal = network_refusal(on_demand=False)
    if refusal:
        raise FetchError(f"{card.name}: {refusal}, so the Hub cannot be reached; unset it to fetch {card.repo_id}")
    from huggingface_hub import HfApi, snapshot_download

    try:
        size = _listed_size(card)  # an unreachable Hub fails here, once, with the reason below
        check_disk_space(card, size, dest)
        # the revision (a branch or tag) resolved to its commit first, so what is downloaded is that commit
        commit = HfApi(endpoint=hub_endpoint()).model_info(card.repo_id, revision=card.revision).sha
        folder = snapshot_download(card.repo_id, revision=commit, allow_patterns=list(card.fetch_patterns),
                                   local_dir=dest, endpoint=hub_endpoint(), tqdm_class=_reporting(size, progress, stop))
        if dest is None and card.revision != commit:
            # `locate` finds the cache by the card's revision (a branch, e.g. main): point it at this commit
            ref = Path(folder).parent.parent / "refs" / card.revision  # <cache>/models--org--name/refs/main
            ref.parent.mkdir(parents=True, exist_ok=True)
            ref.write_text(commit)
    except (DownloadStopped, FetchError):
        raise
    except Exception as e:  # the Hub client's errors are many and deep; say which and why in one line
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise FetchError(f"{card.name}: could not fetch {card.repo_id}@{card.revision}: "
                         f"{type(e).__name__}: {reason[:300]}") from None
    record_fetch(card, Path(folder), commit)
    return locate(card, folder)


_SIZES: dict[tuple[str | None, str, str], int | None] = {}  # (endpoint, repo, revision) -> bytes `fetch` takes


def download_size(card: ModelCard) -> int | None:
    """Bytes `fetch` downloads for card: the sizes the Hub lists at its revision, for the files its
    fetch_patterns take. None when it cannot be known here (no repo, offline, the Hub unreachable)."""
    if not card.repo_id or network_refusal(on_demand=False):
        return None
    key = (hub_endpoint(), card.repo_id, card.revision)
    if key not in _SIZES:
        try:
            _listed_size(card)
        except Exception:  # noqa: BLE001 - unknown size is an answer, not an error; asked once (the Hub may hang)
            _SIZES[key] = None
    return _SIZES[key]


def _listed_size(card: ModelCard) -> int:
    """The bytes the Hub lists for the files card's fetch_patterns take (remembered); raises what the Hub raises."""
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import filter_repo_objects

    key = (hub_endpoint(), card.repo_id, card.revision)
    if _SIZES.get(key) is None:
        files = [f for f in HfApi(endpoint=hub_endpoint()).list_repo_tree(card.repo_id, revision=card.revision,
                                                                        recursive=True) if isinstance(f, RepoFile)]
        taken = set(filter_repo_objects([f.path for f in files], allow_patterns=list(card.fetch_patterns) or None))
        _SIZES[key] = sum(f.lfs.size if f.lfs else f.size for f in files if f.path in taken)
    return _SIZES[key]


def check_disk_space(card: ModelCard, size: int | None, dest: str | os.PathLike | None = None) -> None:
    """FetchError when the disk that will hold the download has less room than it needs (plus 1%)."""
    if size is None:
        return
    from huggingface_hub import constants

    where = Path(dest) if dest is not None else Path(constants.HF_HUB_CACHE)
    while not where.exists():  # the nearest folder that exists is on the same disk
        where = where.parent
    free = shutil.disk_usage(where).free
    if free < size * 1.01:
        raise FetchError(f"{card.name}: not enough disk space: its weights take {human_size(size)}, "
                         f"{human_size(free)} free where they would go")


def _reporting(size: int | None, progress: Progress | None, stop: threading.Event | None):
    """A tqdm class for snapshot_download that tells progress the bytes written and stops on request."""
    from huggingface_hub.utils import tqdm

    class Reporting(tqdm):
        done = 0  # bytes of this download, over every file (shared by the class's bars)
        lock = threading.Lock()

        def __init__(self, *args, **kwargs):
            # the bar snapshot_download adds every file's bytes to (others count files or transfers)
            self.counts_bytes = kwargs.get("name") == "huggingface_hub.snapshot_download"
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            if stop is not None and stop.is_set():
                raise DownloadStopped(f"stopped after {human_size(Reporting.done)}; downloading again resumes")
            if self.counts_bytes and n:
                with Reporting.lock:
                    Reporting.done += int(n)
                if progress is not None:
                    progress(Reporting.done, size)
            return super().update(n)

    return Reporting
