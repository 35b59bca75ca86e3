"""Prompt suites: YAML files of prompts with the outcome each should show.

    python -c "from eval.suites import load_probe_suite; print(len(load_probe_suite('prompts/probes/physics.yaml')))"

A probe suite lists entries {id, kind, prompt, expect}. `world` entries are prompts in the
world's grammar; their written-out expectation must agree with what the parser derives (so the
file documents the outcome and a grammar change cannot silently alter it). `natural` entries
are for real models: free text, with the expectation given explicitly.

An edit suite (prompts/edits/) lists edits {id, source, prompt, strength}: `source` and `prompt` are
world prompts; the world renders the source at each seed, and the model edits it to `prompt`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from world import Expectation, parse

KINDS = ("world", "natural")
ENTRY_KEYS = {"id", "kind", "prompt", "expect"}
PROBE_SUITES = Path(__file__).resolve().parent.parent / "prompts" / "probes"


@dataclass(frozen=True)
class ProbePrompt:
    id: str  # unique within the suite
    kind: str  # world | natural
    prompt: str
    expectation: Expectation


def _entries(path: Path, list_key: str, noun: str, keys: set[str]):
    """-> (where, entry) for each entry of the YAML file's `list_key` list, each a mapping of exactly `keys`;
    `where` ("<file>: <noun> <id>") starts every message about it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get(list_key), list):
        raise ValueError(f"{path}: expected a mapping with an '{list_key}' list")
    for index, entry in enumerate(data[list_key]):
        where = f"{path}: {noun} {entry.get('id', index) if isinstance(entry, dict) else index}"
        if not isinstance(entry, dict) or set(entry) != keys:
            given = sorted(entry) if isinstance(entry, dict) else entry
            raise ValueError(f"{where}: expected keys {sorted(keys)}, got {given}")
        yield where, entry


def load_probe_suite(path: str | Path) -> list[ProbePrompt]:
    """Read and check one suite; every problem names the file and the entry."""
    out: list[ProbePrompt] = []
    for where, entry in _entries(Path(path), "entries", "entry", ENTRY_KEYS):
        if entry["kind"] not in KINDS:
            raise ValueError(f"{where}: kind must be one of {list(KINDS)}, got {entry['kind']!r}")
        try:
            expectation = Expectation.from_dict(entry["expect"])
            if entry["kind"] == "world" and parse(entry["prompt"]).expectation != expectation:
                derived = parse(entry["prompt"]).expectation.to_dict()
                raise ValueError(f"the written expectation differs from the parser's: {derived}")
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        if any(p.id == entry["id"] for p in out):
            raise ValueError(f"{where}: duplicate id")
        out.append(ProbePrompt(entry["id"], entry["kind"], entry["prompt"], expectation))
    return out


def probe_suites() -> dict[str, list[ProbePrompt]]:
    """Every suite under prompts/probes/, by file stem."""
    return {p.stem: load_probe_suite(p) for p in sorted(PROBE_SUITES.glob("*.yaml"))}


EDIT_KEYS = {"id", "source", "prompt", "strength"}


@dataclass(frozen=True)
class EditPrompt:
    id: str
    source: str  # a world prompt: the clip to edit is the world's own, at the run's seed
    prompt: str  # the wanted result, a world prompt (its expectation is what the probes check)
    strength: float
    expectation: Expectation


def is_edit_suite(path: str | Path) -> bool:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return isinstance(data, dict) and "edits" in data


def load_edit_suite(path: str | Path) -> list[EditPrompt]:
    """Read and check an edit suite; every problem names the file and the entry."""
    out: list[EditPrompt] = []
    for where, entry in _entries(Path(path), "edits", "edit", EDIT_KEYS):
        strength = entry["strength"]
        if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 < strength <= 1:
            raise ValueError(f"{where}: strength must be a number in (0, 1], got {strength!r}")
        try:
            parse(entry["source"])
            expectation = parse(entry["prompt"]).expectation
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        if any(p.id == entry["id"] for p in out):
            raise ValueError(f"{where}: duplicate id")
        out.append(EditPrompt(entry["id"], entry["source"], entry["prompt"], float(strength), expectation))
    return out

