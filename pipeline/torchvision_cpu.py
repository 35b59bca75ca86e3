"""Make `import torchvision` work on the CPU build of torch.

    import pipeline      # installs the shim; then `import torchvision` works

Why: requirements.txt pins torch==2.13.0 (the CPU wheel, so no machine downloads CUDA) and
torchvision==0.28.0 from the package registry, which is a CUDA build. Its compiled ops
(`torchvision/_C.so`: nms, roi_align, deform_conv, ...) cannot load against CPU torch.
`torchvision/extension.py` notices this quietly (`_has_ops()` returns False), but then
`torchvision/__init__.py` imports `torchvision/_meta_registrations.py`, which calls
`torch.library.register_fake("torchvision::nms")` unconditionally, and that raises
`RuntimeError: operator torchvision::nms does not exist`, so `import torchvision` fails.

The fix: a `sys.meta_path` finder that intercepts only `torchvision._meta_registrations`.
When the compiled ops did not load, it supplies an empty module instead: the fake (meta)
kernels it would register are for ops that do not exist, so nothing is lost. Models,
transforms and weights work as usual; `torchvision.ops.nms` and friends raise torchvision's
own clear "Couldn't load custom C++ ops" RuntimeError when called. When the ops did load
(a matching torchvision build, e.g. on a GPU machine), the finder steps aside and the real
module loads.

This module imports neither torch nor torchvision; installing the finder is cheap and
idempotent. `pipeline/__init__.py` calls `install()`, so any `import pipeline...` (eval/
does this too) makes a later `import torchvision` work.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types

TARGET = "torchvision._meta_registrations"


class _EmptyModuleLoader(importlib.abc.Loader):
    """Loads `TARGET` as an empty module (default module creation, nothing executed)."""

    def create_module(self, spec):
        return None  # the default: a plain empty module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__doc__ = (
            "Empty stand-in installed by pipeline/torchvision_cpu.py: torchvision's compiled "
            "ops did not load, so there are no ops to register fake kernels for."
        )


class TorchvisionCpuFinder(importlib.abc.MetaPathFinder):
    """Supplies an empty `torchvision._meta_registrations` when torchvision's ops are absent."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != TARGET:
            return None
        # torchvision/__init__.py imports .extension (which tries to load _C.so) before
        # _meta_registrations; read it from sys.modules rather than importing anything.
        extension = sys.modules.get("torchvision.extension")
        if extension is None or extension._has_ops():
            return None  # ops loaded (or unexpected import order): let the real module load
        return importlib.machinery.ModuleSpec(fullname, _EmptyModuleLoader(), origin=__file__)


def is_installed() -> bool:
    """Whether a `TorchvisionCpuFinder` is on `sys.meta_path`."""
    # Compare by name, not class identity, so a reloaded copy of this module is also seen.
    return any(type(f).__name__ == TorchvisionCpuFinder.__name__ for f in sys.meta_path)


def install() -> None:
    """Put the finder first on `sys.meta_path` (once; further calls do nothing)."""
    if not is_installed():
        sys.meta_path.insert(0, TorchvisionCpuFinder())
