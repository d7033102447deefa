"""Optional parts of moodplay that are pip extras, and the message when one is missing.

The runtime install leaves out what only one command uses (a Pi's SD card and RAM are small):
matplotlib for ``library map`` (``moodplay[map]``), onnx for ``models train-voice``
(``moodplay[train]``). Checked before the command does any work, so a long training run never
fails at its last step.
"""

from __future__ import annotations

import importlib.util


class MissingExtraError(Exception):
    """A command needs an extra that is not installed; the message says how to install it."""


def require_extra(module: str, extra: str, command: str) -> None:
    """Raise MissingExtraError unless ``module`` can be imported. Looks only: ``module`` is
    imported later by the one adapter that owns it (DESIGN.md)."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a half-removed module
        found = False
    if not found:
        raise MissingExtraError(
            f"`moodplay {command}` needs {module}, which is not installed: "
            f"pip install 'moodplay[{extra}]' (in a clone: .venv/bin/pip install -e '.[{extra}]')"
        )
