"""Mutation testing: how many deliberate bugs in each guarded module the tests catch.

    .venv/bin/pip install -r requirements-dev.txt                 # mutmut, pinned; not installed by CI
    .venv/bin/python benchmarks/mutation.py                        # every module below (hours on 2 cores)
    .venv/bin/python benchmarks/mutation.py --modules pipeline/request.py --report docs/mutation.md
    .venv/bin/python benchmarks/mutation.py --modules eval/fidelity.py --mutants 'eval.fidelity.x_main__mutmut_2' ...
    .venv/bin/python benchmarks/mutation.py --check                # the set-up only, without mutmut (the test suite's smoke run)

For each module, mutmut (https://github.com/boxed/mutmut) runs in a scratch copy of the tracked
files, configured for that module alone and the test files that guard it (so a mutant runs only
those of its tests that reach the mutated function, not the whole suite). It changes one thing at
a time (an operator, a constant, a comparison, a returned value) and runs the tests: a mutant is
killed when a test fails, survives when all pass. Printed, and written to --report as a table:
mutants, not run, killed, timed out, survived, no test reached it, and the kill rate

    kill rate = (killed + timed out) / (every mutant mutmut made and ran)

so a mutant no test reaches counts against the module. A full run runs every mutant; --mutants
reruns only those named (a previous run's survivors, once new tests are in), the rest not run. The survivors of each module are listed
under the table (`mutmut show NAME` in the scratch folder shows each diff), to be killed by a new
test or explained as equivalent in docs/mutation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> the test files that guard it (the fast, direct ones; the app and browser tests also
# reach these modules but take minutes per mutant)
MODULES = {
    "pipeline/request.py": ["tests/test_request.py", "tests/test_mode_wiring.py"],
    "pipeline/api.py": ["tests/test_mode_wiring.py", "tests/test_request.py"],
    "pipeline/tinyworld/backend.py": ["tests/test_tinyworld.py", "tests/test_mode_wiring.py"],
    "eval/fidelity.py": ["tests/test_fidelity.py"],
    "eval/probes/": ["tests/test_probes.py", "tests/test_probes_realistic.py"],
}
# Files under eval/probes/ that are the probes' own test harness, not what they judge with.
HARNESS = ["eval/probes/corruptions.py", "eval/probes/validate.py"]
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no test", 33: "no test", 34: "skipped", 36: "timeout",
          24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", None: "not run"}


def scratch_copy(module: str, tests: list[str]) -> Path:
    """The tracked files in a temporary folder, with a pyproject.toml that points mutmut at module."""
    folder = Path(tempfile.mkdtemp(prefix="mutation-"))
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        target = folder / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name.decode(), target)
    quoted = lambda items: "[" + ", ".join(json.dumps(i) for i in items) + "]"
    (folder / "pyproject.toml").write_text(
        "[tool.mutmut]\n"
        f"source_paths = {quoted([module])}\n"
        f"do_not_mutate = {quoted(HARNESS)}\n"
        f"also_copy = {quoted(['world/', 'pipeline/', 'eval/', 'prompts/', 'tests/', 'benchmarks/', 'pytest.ini'])}\n"
        f"pytest_add_cli_args_test_selection = {quoted(tests)}\n"
        'pytest_add_cli_args = ["-q", "-p", "no:cacheprovider", "-x"]\n'
        # Workers forked from a process that ran torch tests can hang (mutmut's docs: torch is not
        # fork-safe); a fork server that imported nothing else forks them instead.
        'process_isolation = "forkserver"\n')
    return folder


def run_module(module: str, tests: list[str], children: int, only: list[str] = ()) -> tuple[Counter, list[str], float, Path]:
    """-> (mutants by status, the survivors' names, minutes taken, the scratch folder). only: test
    just these mutants (names as mutmut gives them; the others are counted as not run)."""
    folder = scratch_copy(module, tests)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
    mutmut = Path(sys.executable).with_name("mutmut")
    start = time.time()
    done = subprocess.run([str(mutmut), "run", "--max-children", str(children), *only], cwd=folder, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{module}: mutmut failed in {folder}:\n{done.stderr[-3000:]}")
    counts, survivors = Counter(), []
    for meta in sorted((folder / "mutants").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            status = STATUS.get(code, "suspicious")
            counts[status] += 1
            if status in ("survived", "no test"):
                survivors.append(f"{name} ({status})")
    return counts, survivors, (time.time() - start) / 60, folder


def check(modules: list[str]) -> None:
    """What a run would start from, without mutmut: each module's scratch copy holds the module and its
    guarding tests, and its mutmut configuration names them (a moved file fails here, not hours in)."""
    for module in modules:
        folder = scratch_copy(module, MODULES[module])
        try:
            missing = [name for name in [module, *MODULES[module], *HARNESS] if not (folder / name).exists()]
            if missing:
                raise SystemExit(f"{module}: missing from the tracked files: {', '.join(missing)}")
            print(f"{module}: guarded by {', '.join(MODULES[module])}; scratch copy and configuration ok")
        finally:
            shutil.rmtree(folder)


def kill_rate(counts: Counter) -> float:
    """Of the mutants tested (a run with --mutants leaves the rest not run), the share caught."""
    return (counts["killed"] + counts["timeout"]) / max(sum(counts.values()) - counts["not run"], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="+", default=list(MODULES), choices=list(MODULES))
    parser.add_argument("--children", type=int, default=os.cpu_count() or 1, help="mutants tested at once")
    parser.add_argument("--report", type=Path, help="also write the table and survivors here (markdown)")
    parser.add_argument("--mutants", nargs="+", default=[], metavar="NAME",
                        help="test only these mutants (a previous run's survivors, after new tests); the rest show as not run")
    parser.add_argument("--check", action="store_true",
                        help="only build each module's scratch copy and check its files exist (no mutmut needed)")
    args = parser.parse_args()
    if args.check:
        check(args.modules)
        return
    if shutil.which("mutmut", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("mutmut is not installed: .venv/bin/pip install -r requirements-dev.txt")
    lines = ["| module | mutants | not run | killed | timed out | survived | no test | kill rate | minutes |",
             "|---|---|---|---|---|---|---|---|---|"]
    listed = []
    for module in args.modules:
        counts, survivors, minutes, folder = run_module(module, MODULES[module], args.children, args.mutants)
        lines.append(f"| `{module}` | {sum(counts.values())} | {counts['not run']} | {counts['killed']} | {counts['timeout']} | {counts['survived']} "
                     f"| {counts['no test']} | {kill_rate(counts):.1%} | {minutes:.0f} |")
        listed += [f"### `{module}` ({len(survivors)} survivors; `mutmut show NAME` in {folder.name})", ""]
        listed += [f"- `{s}`" for s in survivors] + [""]
        print(lines[-1], flush=True)
    report = "\n".join(lines + [""] + listed)
    print(report)
    if args.report:
        args.report.write_text(report + "\n")


if __name__ == "__main__":
    main()
