"""Model files, model cards and the one ONNX Runtime adapter.

Model cards live beside this file (``*.md``). Model files are loaded from the installed packages
that ship them; nothing is downloaded at import or test time.
"""

from pathlib import Path

from models._install import ManifestEntry, ModelInstallError, install, load_manifest
from models._locate import PackagedModel
from models._onnx import CPU, ModelError, OnnxModel, available_providers, choose_providers
from models._train import TrainResult, train_linear

VIBENET_EFFICIENTNET = PackagedModel(
    package="vibenet",
    relative_path="artifacts/efficientnet_model.onnx",
    install_hint="install it with: pip install --no-deps vibenet==0.1.0 (make run does this)",
)

SILERO_VAD = PackagedModel(
    package="silero_vad",
    relative_path="data/silero_vad.onnx",
    install_hint="install it with: pip install --no-deps silero-vad (make run does this)",
)

VOICE_MOOD = Path(__file__).with_name("voice_mood.onnx")
"""The knowledge-based voice-tone model built by models/build_voice_mood.py (see its card)."""
EGEMAPS_FEATURES = Path(__file__).with_name("egemaps_v02_functionals.txt")

__all__ = [
    "CPU",
    "EGEMAPS_FEATURES",
    "SILERO_VAD",
    "VIBENET_EFFICIENTNET",
    "VOICE_MOOD",
    "ManifestEntry",
    "ModelError",
    "ModelInstallError",
    "OnnxModel",
    "PackagedModel",
    "TrainResult",
    "available_providers",
    "choose_providers",
    "install",
    "load_manifest",
    "train_linear",
]
