"""The one shared diffusion pipeline (see ../shared/DESIGN.md, "The shared pipeline").

    python -m pipeline --list
    from pipeline import load, GenerationRequest    # load(name).generate(GenerationRequest(...))

Kept light on purpose: importing `pipeline`, or `from pipeline import load`, imports no torch
(torch loads with the first model). The names below are loaded on first use (PEP 562), so
`import pipeline` stays cheap for `world`, `eval` and the UI. It installs
the torchvision CPU shim (pipeline/torchvision_cpu.py), so `import torchvision` works afterwards
on the CPU build of torch.
"""

from pipeline import torchvision_cpu

torchvision_cpu.install()

_LAZY = {
    "load": "pipeline.api",
    "clear_cache": "pipeline.api",
    "VideoPipeline": "pipeline.api",
    "GenerationRequest": "pipeline.request",
    "GenerationResult": "pipeline.request",
    "MODELS": "pipeline.registry",
    "get_card": "pipeline.registry",
    "PipelineError": "pipeline.errors",
    "RequestError": "pipeline.errors",
    "WeightsMissingError": "pipeline.errors",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
