"""Running generation on a Hugging Face ZeroGPU Space.

    from ui.gpu import gpu

    @gpu
    def run_pipeline(...): ...

A ZeroGPU Space has no GPU attached until a function decorated with `spaces.GPU` runs; the
`spaces` package that provides it is preinstalled there and absent elsewhere. So `gpu` uses it
when it can be imported and is a no-op otherwise (a laptop, CI, a CPU or dedicated-GPU Space).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def gpu(function: F) -> F:
    """`spaces.GPU(function)` where the `spaces` package is importable, else `function` itself."""
    try:
        spaces = importlib.import_module("spaces")
    except ImportError:
        return function
    return spaces.GPU(function)
