"""openSMILE adapter: eGeMAPSv02 functionals (88 numbers) of one utterance.

The ``opensmile`` package's front end imports pandas, pyarrow and audinterface (~100 MB of a
daemon's memory) to hand back a DataFrame. The extraction itself is its ctypes binding of
``libSMILEapi`` (``opensmile/core/lib.py``, numpy only), so this adapter loads that one file and
feeds it exactly what ``opensmile.Smile(eGeMAPSv02, Functionals).process_signal`` does (a test
checks the numbers are the same).

openSMILE's bundled licence is audEERING's research licence (non-commercial use only); voice
tone can be switched off ([voice] enabled = false) and nothing else depends on it.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

SAMPLE_RATE_HZ = 16_000
SOURCE, SINK = "extsource", "extsink"
FEATURE_SET = "egemaps/v02/eGeMAPSv02.conf"


class OpenSmileUnavailableError(RuntimeError):
    """The opensmile package (and its libSMILEapi) is not installed or cannot load."""


@functools.cache
def _binding() -> tuple[ModuleType, Path]:
    """opensmile's ctypes binding and its config folder, without importing the package."""
    spec = importlib.util.find_spec("opensmile")  # finds the folder; runs nothing
    if spec is None or not spec.submodule_search_locations:
        raise OpenSmileUnavailableError(
            "opensmile is not installed (pip install --no-deps opensmile==2.6.0)"
        )
    core = Path(next(iter(spec.submodule_search_locations))) / "core"
    lib_spec = importlib.util.spec_from_file_location("_moodplay_smileapi", core / "lib.py")
    if lib_spec is None or lib_spec.loader is None:
        raise OpenSmileUnavailableError(f"cannot load {core / 'lib.py'}")
    module = importlib.util.module_from_spec(lib_spec)
    try:
        lib_spec.loader.exec_module(module)  # loads libSMILEapi.so with ctypes
    except OSError as e:
        raise OpenSmileUnavailableError(f"libSMILEapi does not load: {e}") from e
    return module, core / "config"


def _options(config: Path) -> dict[str, object]:
    """The options opensmile.Smile passes for functionals from an external 16-bit source."""
    shared = config / "shared"
    return {
        "sink": shared / "standard_external_data_output_single.conf.inc",
        "sinkLevel": "func",
        "bufferModeRbConf": shared / "BufferModeRb.conf.inc",
        "frameModeFunctionalsConf": shared / "FrameModeFunctionals.conf.inc",
        "source": shared / "standard_external_wave_input.conf.inc",
        "sampleRate": SAMPLE_RATE_HZ,
        "nBits": 16,
    }


class VoiceFeatures:
    def __init__(self) -> None:
        self._lib, config = _binding()
        self._config = str(config / FEATURE_SET)
        self._opts = _options(config)
        smile = self._new()
        try:
            count = smile.external_sink_get_num_elements(SINK)
            self.names: list[str] = [
                smile.external_sink_get_element_name(SINK, i) for i in range(count)
            ]
        finally:
            smile.free()

    def _new(self) -> Any:
        smile = self._lib.OpenSMILE()
        smile.initialize(config_file=self._config, options=self._opts, loglevel=0)
        return smile

    def extract(self, audio: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
        """The 88 functionals of 16 kHz mono int16 speech (in memory; nothing touches disk).
        Too short to measure: zeros."""
        rows: list[npt.NDArray[np.float64]] = []
        smile = self._new()
        try:
            smile.external_sink_set_callback_ex(
                SINK, lambda data, meta: rows.append(np.array(data, dtype=np.float64))
            )
            smile.external_audio_source_write_data(SOURCE, np.ascontiguousarray(audio).tobytes())
            smile.external_audio_source_set_eoi(SOURCE)
            smile.run()
        finally:
            smile.free()
        if not rows:
            return np.zeros(len(self.names), dtype=np.float64)
        values = rows[0].reshape(-1)[: len(self.names)]
        return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
