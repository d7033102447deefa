"""Find model files shipped inside installed Python packages, without copying them."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from models._onnx import ModelError


@dataclass(frozen=True)
class PackagedModel:
    """A model file inside an installed distribution, and the version that shipped it."""

    package: str
    relative_path: str
    install_hint: str

    def path(self) -> Path:
        # find_spec locates the package without importing it (vibenet's __init__ is harmless,
        # but other model packages import torch at import time).
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(
                f"the Python package {self.package!r} that ships this model is not installed; "
                f"{self.install_hint}"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / self.relative_path
        if not path.is_file():
            raise ModelError(
                f"{path} is missing from the installed {self.package}; {self.install_hint}"
            )
        return path

    def version(self) -> str:
        try:
            dist = importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            dist = "unknown"
        digest = hashlib.sha256(self.path().read_bytes()).hexdigest()[:12]
        return f"{self.package} {dist}, sha256 {digest}"
