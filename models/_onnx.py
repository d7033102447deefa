"""The one ONNX Runtime adapter: session creation with providers and thread counts.

Every model in moodplay runs through :class:`OnnxModel`, so provider fallback, thread limits and
input validation live in one place. onnxruntime is imported nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

log = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"


class ModelError(RuntimeError):
    """A model file could not be loaded or run; the message says which and why."""


def available_providers() -> list[str]:
    return list(ort.get_available_providers())


def choose_providers(wanted: Sequence[str]) -> list[str]:
    """Keep the wanted providers this onnxruntime build has, in order; CPU is always last."""
    have = set(available_providers())
    chosen: list[str] = []
    for name in wanted:
        if name in have:
            if name not in chosen:
                chosen.append(name)
        else:
            log.warning(
                "ONNX Runtime execution provider %s is not available (installed: %s); "
                "falling back to %s",
                name,
                ", ".join(sorted(have)),
                CPU,
            )
    if CPU not in chosen:
        chosen.append(CPU)
    return chosen


class OnnxModel:
    """One InferenceSession for one model file, with explicit providers and thread counts."""

    def __init__(self, path: Path, providers: Sequence[str] = (CPU,), threads: int = 1) -> None:
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings from graph fusion are noise for users
        try:
            self._session = ort.InferenceSession(
                str(path), options, providers=choose_providers(providers)
            )
        except Exception as e:  # onnxruntime raises its own untyped errors
            raise ModelError(f"cannot load ONNX model {path}: {e}") from e
        self.path = path
        self.input_names = [i.name for i in self._session.get_inputs()]
        self.output_names = [o.name for o in self._session.get_outputs()]

    @property
    def providers(self) -> list[str]:
        return list(self._session.get_providers())

    def run(self, inputs: Mapping[str, npt.NDArray[Any]]) -> list[npt.NDArray[np.float32]]:
        """Run the model; float inputs must be finite float32, integer inputs int64."""
        missing = set(self.input_names) - set(inputs)
        if missing:
            raise ModelError(f"{self.path.name}: missing inputs {sorted(missing)}")
        for name, value in inputs.items():
            if value.dtype == np.int64:
                continue
            if value.dtype != np.float32 or not np.all(np.isfinite(value)):
                raise ModelError(f"{self.path.name}: input {name} must be finite float32")
        outputs = self._session.run(self.output_names, dict(inputs))
        return [np.asarray(o, dtype=np.float32) for o in outputs]
