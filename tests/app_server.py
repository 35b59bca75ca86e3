"""app.py as a subprocess on a free port, with its own outputs folder and table, for the browser tests.

    with running_app(tmp_path, {"SPACETIME_WEIGHTS_LTX_VIDEO": str(folder)}) as url: ...
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV = {"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
START_TIMEOUT = 60  # seconds from launching app.py to the page answering


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(folder: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start app.py with outputs and table in `folder`; -> its URL once GET / answers; killed after."""
    port = free_port()
    log_path = folder / "app.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port), "--outputs", str(folder / "outputs"), "--db", str(folder / "t.db")],
            cwd=ROOT, env={**os.environ, **ENV, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if process.poll() is not None:
                    pytest.fail(f"app.py exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as answer:
                        if answer.status == 200 and b"gradio" in answer.read().lower():
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"app.py did not answer {url} within {START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.25)
            yield url
        finally:
            process.kill()
            process.wait()
