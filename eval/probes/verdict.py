"""The one result type every probe returns.

    python -c "from eval.probes.verdict import Verdict; print(Verdict('presence', 'pass', 'red ball seen', {}).to_dict())"
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"
STATUSES = (PASS, FAIL, INCONCLUSIVE)


@dataclass(frozen=True)
class Verdict:
    probe: str  # the probe's name, e.g. "left_right"
    status: str  # pass | fail | inconclusive
    reason: str  # one line a person can read
    measured: dict = field(default_factory=dict)  # the numbers behind the verdict (JSON-ready)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status: expected one of {list(STATUSES)}, got {self.status!r}")

    def to_dict(self) -> dict:
        return {"probe": self.probe, "status": self.status, "reason": self.reason, "measured": self.measured}


def runs(flags) -> list[tuple[int, int]]:
    """(first, last) frame of each run of consecutive True values."""
    out, start = [], None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((start, i - 1))
            start = None
    return out
