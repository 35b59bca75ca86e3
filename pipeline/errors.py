"""The pipeline's errors: each one says what is wrong and what to do, in one line.

    from pipeline.errors import PipelineError   # the CLI prints str(e) of any of these and exits 2

They subclass the built-in error they refine (ValueError, FileNotFoundError, ...), so callers
that already catch those keep working.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: a problem the user can fix; its message is meant to be shown as it is."""


class RequestError(PipelineError, ValueError):
    """A GenerationRequest field has a bad value; the message names the field, the value and what is allowed."""


class UnknownModelError(PipelineError, KeyError):
    """No model card has this name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class WeightsMissingError(PipelineError, FileNotFoundError):
    """A model's weights are not on this machine (or are incomplete, or are not safetensors)."""


class FetchError(PipelineError, RuntimeError):
    """Downloading weights failed (no network, unknown revision, ...)."""


class BackendError(PipelineError, RuntimeError):
    """A backend broke its contract (for example returned the wrong number of frames)."""
