"""Downloading a file where the network is allowed: resumable, sha256-checked, and put in place
under its real name only once its digest matches.

    from pipeline.download import download, network_refusal
    if network_refusal() is None:
        download(url, folder / "alexnet-owt-7be5be79.pth", sha256="7be5be79", progress=bar)

Nothing is fetched while HF_HUB_OFFLINE is set (1, true, yes, on) or SPACETIME_FETCH=never:
`network_refusal()` says which. The bytes go to `<name>.part` beside the file; an interrupted
download leaves that part, and the next try asks the server for the rest (an HTTP Range) or, if
the server ignores the range, starts again from byte 0. A digest that does not match removes the
part: a refused or failed download never leaves a file under the real name.

SPACETIME_DOWNLOAD_MIRROR=http://host:port sends direct URLs to a mirror that keeps the host in
the path: https://download.pytorch.org/models/x.pth -> http://host:port/download.pytorch.org/models/x.pth
(the tests' stand-in server; Hub files follow HF_ENDPOINT instead).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

PART = ".part"  # suffix of a download in progress
CHUNK = 1 << 16
TRUE = ("1", "true", "yes", "on")

Progress = Callable[[int, "int | None"], None]  # (bytes so far, total bytes or None when unknown)


class DownloadError(Exception):
    """A download that failed or was refused; the message says why in one line."""


class DownloadStopped(DownloadError):
    """The person asked to stop (a Stop button); what was downloaded so far is kept for a resume."""


def network_refusal(on_demand: bool = True) -> str | None:
    """Why nothing may be downloaded here, or None when the network is allowed.

    on_demand: a download nobody asked for by name (an extractor on first use, the app's button);
    SPACETIME_FETCH=never refuses those, while an explicit `fetch` command still runs.
    """
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in TRUE:
        return "HF_HUB_OFFLINE is set"
    if on_demand and os.environ.get("SPACETIME_FETCH", "").strip().lower() == "never":
        return "SPACETIME_FETCH=never"
    return None


def hub_endpoint() -> str | None:
    """$HF_ENDPOINT as it is now (huggingface_hub reads it once, at import; tests change it later)."""
    return os.environ.get("HF_ENDPOINT") or None


def mirrored(url: str) -> str:
    """url, sent to $SPACETIME_DOWNLOAD_MIRROR when one is set (see the module docstring)."""
    mirror = os.environ.get("SPACETIME_DOWNLOAD_MIRROR", "").rstrip("/")
    if not mirror:
        return url
    parts = urllib.parse.urlsplit(url)
    return f"{mirror}/{parts.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def human_size(n: int | None) -> str:
    """605 MB, 1.2 GB, 233 kB: decimal units, as the Hub shows sizes."""
    if n is None:
        return "size unknown"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{n} B"


def download(url: str, dest: Path, sha256: str | None = None, progress: Progress | None = None,
             stop: threading.Event | None = None, headers: dict[str, str] | None = None,
             timeout: float = 30) -> str:
    """Fetch url into dest (resuming dest.part if there is one) and return the file's sha256.

    sha256: the pinned digest, or its published prefix (torchvision names 8 hex digits); a file
    whose digest does not start with it is removed and DownloadError says so. None: any content
    is accepted (the caller records the digest it got).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + PART)
    digest, have = hashlib.sha256(), 0
    if part.is_file():  # an earlier try was interrupted: hash what is there and ask for the rest
        with open(part, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
                have += len(block)
    request = urllib.request.Request(url, headers={**(headers or {}), **({"Range": f"bytes={have}-"} if have else {})})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # the part is not a prefix the server can continue: start again
            part.unlink()
            return download(url, dest, sha256, progress, stop, headers, timeout)
        raise DownloadError(f"{dest.name}: the server answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        raise DownloadError(f"{dest.name}: cannot reach the server ({getattr(error, 'reason', error)})") from None
    with response:
        if have and response.status != 206:  # the server ignored the range: the whole file comes again
            digest, have = hashlib.sha256(), 0
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        try:
            with open(part, "ab" if have else "wb") as f:
                if progress:
                    progress(have, total)
                while chunk := response.read(CHUNK):
                    if stop is not None and stop.is_set():
                        raise DownloadStopped(f"{dest.name}: stopped after {human_size(have)}; the next try resumes")
                    f.write(chunk)
                    digest.update(chunk)
                    have += len(chunk)
                    if progress:
                        progress(have, total)
        except (OSError, http.client.HTTPException) as error:
            raise DownloadError(f"{dest.name}: interrupted after {human_size(have)} of {human_size(total)} "
                                f"({type(error).__name__}); the next try resumes") from None
    if total is not None and have != total:
        raise DownloadError(f"{dest.name}: the connection ended after {human_size(have)} of {human_size(total)}; "
                            "the next try resumes")
    got = digest.hexdigest()
    if sha256 and not got.startswith(sha256.lower()):
        part.unlink()
        raise DownloadError(f"{dest.name}: its sha256 {got[:16]}... is not the pinned {sha256[:16]}...; "
                            "the download was refused and removed")
    os.replace(part, dest)  # only now does the file exist under its real name
    return got


def tqdm_progress(desc: str, total: int | None = None) -> tuple[Progress, Callable[[], None]]:
    """A tqdm bar on stderr as a Progress callback; -> (callback, close)."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1000, leave=True)

    def update(done: int, size: int | None) -> None:
        if size is not None and bar.total != size:
            bar.total = size
        bar.update(done - bar.n)

    return update, bar.close
