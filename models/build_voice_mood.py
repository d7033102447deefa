"""Build models/voice_mood.onnx: the knowledge-based voice-tone model (no training data).

No labelled emotional-speech corpus can be installed here, so the shipped model is a
transparent weighting of published acoustic correlates of arousal (Juslin & Laukka 2003;
Eyben et al. 2016, the GeMAPS paper): louder, higher-pitched, wider-ranging, faster speech with
a flatter spectrum reads as more aroused. Valence from tone alone is weak in that literature;
the valence weights are small and the app gives tone valence little weight.

Input: the 88 eGeMAPSv02 functionals as z-scores against the speaker's running baseline.
Output: [arousal, valence] in [-1, 1] = tanh(gain * (z @ W)). Re-run after changing weights:

    .venv/bin/python models/build_voice_mood.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).with_name("voice_mood.onnx")
GAIN = 0.8

# eGeMAPSv02 functional -> (arousal weight, valence weight). Signs follow the cited correlates.
WEIGHTS: dict[str, tuple[float, float]] = {
    "loudness_sma3_amean": (0.25, 0.0),
    "equivalentSoundLevel_dBp": (0.15, 0.0),
    "F0semitoneFrom27.5Hz_sma3nz_amean": (0.20, 0.10),
    "F0semitoneFrom27.5Hz_sma3nz_pctlrange0-2": (0.10, 0.15),
    "loudnessPeaksPerSec": (0.10, 0.05),
    "VoicedSegmentsPerSec": (0.05, 0.05),
    "MeanUnvoicedSegmentLength": (-0.05, -0.05),
    "spectralFlux_sma3_amean": (0.10, 0.0),
    "alphaRatioV_sma3nz_amean": (0.05, 0.0),
    "hammarbergIndexV_sma3nz_amean": (-0.05, 0.0),
    "jitterLocal_sma3nz_amean": (0.0, -0.05),
}


FEATURES = Path(__file__).with_name("egemaps_v02_functionals.txt")
"""The 88 eGeMAPSv02 functional names in openSMILE's order (a test checks it against opensmile)."""


def feature_names() -> list[str]:
    return FEATURES.read_text().split()


def build(names: list[str]) -> onnx.ModelProto:
    w = np.zeros((len(names), 2), dtype=np.float32)
    for feature, (arousal, valence) in WEIGHTS.items():
        w[names.index(feature)] = (arousal * GAIN, valence * GAIN)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["z", "W"], ["raw"]),
            helper.make_node("Tanh", ["raw"], ["av"]),
        ],
        "voice_mood_knowledge_v1",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, len(names)])],
        [helper.make_tensor_value_info("av", TensorProto.FLOAT, [1, 2])],
        [numpy_helper.from_array(w, "W")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="moodplay models/build_voice_mood.py")  # fmt: skip
    model.ir_version = 8  # readable by onnxruntime >= 1.10
    model.doc_string = "features: " + ",".join(names)
    onnx.checker.check_model(model)
    return model


def main() -> None:
    model = build(feature_names())
    OUT.write_bytes(model.SerializeToString())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
