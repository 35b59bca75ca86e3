"""The one shared diffusion pipeline (see /work/shared/DESIGN.md, "The shared pipeline").

Kept light on purpose: importing `pipeline` imports no torch. It installs the torchvision
CPU shim (pipeline/torchvision_cpu.py), so `import torchvision` works afterwards on the
CPU build of torch.
"""

from pipeline import torchvision_cpu

torchvision_cpu.install()
