"""Data flows one way: world <- pipeline <- eval <- app (DESIGN.md, "Layout").

    .venv/bin/python -m pytest -q tests/test_layering.py
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def offenders(package: str, forbidden: set[str], skip: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {sorted(imported_packages(path) & forbidden)}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.name not in skip and imported_packages(path) & forbidden
    ]


def test_world_imports_neither_pipeline_nor_eval():
    # world/__main__.py is the command line on top of the library and may write mp4s with
    # pipeline.video_io, as app.py may; the library modules may not.
    assert offenders("world", {"pipeline", "eval", "app"}, skip=("__main__.py",)) == []


def test_pipeline_never_imports_its_judges():
    assert offenders("pipeline", {"eval", "app"}) == []


def test_nothing_imports_the_app():
    assert offenders("eval", {"app"}) == []


def test_building_the_app_imports_no_torch(tmp_path):
    """torch loads with the first generation or score, not at start: about 2 s of the app's cold start
    on a 2-core CPU (docs/benchmarks.md). A module-level `import torch` on the app's path fails this."""
    import os
    import subprocess
    import sys

    build = ("import sys, app; app.build_demo(sys.argv[1] + '/outputs', sys.argv[1] + '/t.db'); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision', 'transformers', 'diffusers')))")
    run = subprocess.run([sys.executable, "-c", build, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                              "HF_HUB_DISABLE_TELEMETRY": "1"}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"
