"""What a hostile clip costs the server: a 2,000-frame 480x360 mp4 (tens of KB, about 1 GB decoded)
sent to /extend, against a launched app.py. Prints the server's peak resident memory (VmHWM) before
and after, and the growth; the bar (issue 43) is 100 MB or less. A 16-frame clip of the same size is
sent first, so the growth is the long clip's alone.

    .venv/bin/python benchmarks/hostile_clip_memory.py [--frames 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from app_server import running_app  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402
from test_hostile_clients import inputs, long_clip, peak_memory, server_pid  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_app(Path(tmp)) as url:
        folder = Path(tmp)
        client = Client(url, verbose=False, download_files=str(folder / "downloads"))
        endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        pid = server_pid(url.rstrip("/"))
        short = long_clip(folder / "short.mp4", frames=16)
        client.predict(*inputs(endpoints, "/extend", _0=handle_file(str(short)), _8=1), api_name="/extend")
        before = peak_memory(pid)
        clip = long_clip(folder / "long.mp4", frames=args.frames)
        try:
            client.predict(*inputs(endpoints, "/extend", _0=handle_file(str(clip))), api_name="/extend")
            answer = "accepted"
        except Exception as error:  # noqa: BLE001 - the refusal is the expected answer
            answer = str(error)
        after = peak_memory(pid)
        size_kb = clip.stat().st_size / 1024
    print(f"clip: {args.frames} frames of 480x360, {size_kb:.0f} KB; answer: {answer}")
    print(f"server peak resident memory: {before / 2**20:.0f} MiB before, {after / 2**20:.0f} MiB after, "
          f"growth {(after - before) / 2**20:.1f} MiB (bar: 100 MB or less)")


if __name__ == "__main__":
    main()
