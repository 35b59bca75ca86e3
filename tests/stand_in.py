"""A stand-in for the Hugging Face Hub (HF_ENDPOINT) and for direct download URLs, on 127.0.0.1,
with a log of every request: the fetch tests run without internet.

    with StandIn() as server:
        server.add_repo("openai/clip-vit-base-patch32", folder, commit)      # a fake Hub repo
        server.add_file("download.pytorch.org/models/x.pth", path)          # a direct URL (via the mirror)
        env = {"HF_ENDPOINT": server.url, "SPACETIME_DOWNLOAD_MIRROR": server.url}
        ... server.gets("model.safetensors") -> how many GETs asked for that file

The Hub part answers what huggingface_hub 2.x asks (read in its source): the model info
`/api/models/{repo}/revision/{rev}`, the file tree `/api/models/{repo}/tree/{rev}`, and
HEAD/GET `/{repo}/resolve/{rev}/{file}` with X-Repo-Commit, ETag (the git blob sha1; for LFS
files, *.safetensors/*.pt/*.pth, the sha256 in X-Linked-Etag and the size in X-Linked-Size) and
Content-Length; GET honours `Range: bytes=N-`. Files can be throttled (the browser test watches a
download's progress) or cut off once after some bytes (an interrupted download).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".pt", ".pth")


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class StandIn:
    def __init__(self) -> None:
        self.repos: dict[str, tuple[str, Path]] = {}  # repo id -> (commit, folder)
        self.files: dict[str, Path] = {}  # "/host/path" -> file
        self.log: list[tuple[str, str, str]] = []  # (method, path, Range header) of every request, in order
        self.cut_after: dict[str, int] = {}  # file name -> bytes sent before the connection drops (once)
        self.delay: dict[str, float] = {}  # file name -> seconds slept per 16 kB sent (16 kB chunks; else 256 kB)
        self.replace: dict[str, bytes] = {}  # file name -> other bytes served under its name (tampering)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> StandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_repo(self, repo_id: str, folder: Path, commit: str) -> None:
        self.repos[repo_id] = (commit, Path(folder))

    def add_file(self, host_path: str, file: Path) -> None:
        self.files["/" + host_path.lstrip("/")] = Path(file)

    def gets(self, name: str) -> int:
        """How many GETs asked for a file of this name (a resolve or a direct URL)."""
        with self._lock:
            return sum(1 for method, path, _ in self.log if method == "GET" and path.rsplit("/", 1)[-1] == name)

    def requests(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return list(self.log)

    # ------------------------------------------------------------ the handler

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet: the test reads stand_in.log
                pass

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def do_GET(self) -> None:
                self._answer(body=True)

            def _answer(self, body: bool) -> None:
                path = unquote(urlsplit(self.path).path)
                with stand_in._lock:
                    stand_in.log.append((self.command, path, self.headers.get("Range", "")))
                api = re.fullmatch(r"/api/models/([^/]+/[^/]+)/(revision|tree)/([^/]+)(/.*)?", path)
                if api:
                    return self._api(api.group(1), api.group(2), api.group(3))
                resolve = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
                if resolve and resolve.group(1) in stand_in.repos:
                    commit, folder = stand_in.repos[resolve.group(1)]
                    if resolve.group(2) not in (commit, "main"):
                        return self._json({"error": "Revision Not Found"}, 404, {"X-Error-Code": "RevisionNotFound"})
                    file = folder / resolve.group(3)
                    if not file.is_file():
                        return self._json({"error": "Entry not found"}, 404,
                                          {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit})
                    return self._file(file, body, commit)
                if path in stand_in.files:
                    return self._file(stand_in.files[path], body, None)
                self._json({"error": "not here"}, 404)

            def _api(self, repo_id: str, kind: str, revision: str) -> None:
                if repo_id not in stand_in.repos:
                    return self._json({"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"})
                commit, folder = stand_in.repos[repo_id]
                files = sorted(p for p in folder.rglob("*") if p.is_file())
                if kind == "revision":
                    return self._json({"id": repo_id, "modelId": repo_id, "sha": commit, "private": False,
                                       "siblings": [{"rfilename": p.relative_to(folder).as_posix()} for p in files]})
                entries = []
                for p in files:
                    data = p.read_bytes()
                    entry = {"type": "file", "path": p.relative_to(folder).as_posix(), "size": len(data),
                             "oid": git_blob_sha1(data)}
                    if p.suffix in LFS_SUFFIXES:
                        entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
                    entries.append(entry)
                self._json(entries)

            def _json(self, payload, status: int = 200, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                                   **(headers or {})}.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _file(self, file: Path, body: bool, commit: str | None) -> None:
                published = file.read_bytes()  # what the headers describe
                data = stand_in.replace.get(file.name, published)  # what is sent (other bytes: tampering)
                start = 0
                ranged = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
                if ranged and body:
                    start = int(ranged.group(1))
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_response(206 if start else 200)
                headers = {"Content-Length": str(len(data) - start), "Accept-Ranges": "bytes",
                           "Content-Type": "application/octet-stream"}
                if start:
                    headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                if commit is not None:  # a Hub file: what hf_hub_download reads from the HEAD
                    headers.update({"X-Repo-Commit": commit, "ETag": f'"{git_blob_sha1(published)}"'})
                    if file.suffix in LFS_SUFFIXES:
                        headers.update({"X-Linked-Etag": f'"{hashlib.sha256(published).hexdigest()}"',
                                        "X-Linked-Size": str(len(data))})
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if not body:
                    return
                cut = stand_in.cut_after.pop(file.name, None) if start == 0 else None
                delay = stand_in.delay.get(file.name, 0.0)
                sent, size = start, (1 << 14) if delay else (1 << 18)
                while sent < len(data):
                    chunk = data[sent:sent + size]
                    if cut is not None and sent + len(chunk) > cut:
                        self.wfile.write(data[sent:cut])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(2)  # the connection drops mid-file
                        return
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    if delay:
                        time.sleep(delay)

        return Handler
