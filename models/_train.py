"""Fit a small linear voice-mood model on labelled features and export it as ONNX.

Ridge regression from z-scored eGeMAPS functionals to (arousal, valence), the same graph shape
as the shipped knowledge-based model plus a bias, clipped to [-1, 1]. Scored on a held-out
split (seeded), so the user sees how well it generalises before using it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Float64Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TrainResult:
    model: bytes
    """The ONNX model: input z (1, features), output av (1, 2)."""
    n_train: int
    n_test: int
    r2: tuple[float, float]
    """Held-out coefficient of determination for (arousal, valence)."""
    pearson: tuple[float, float]


def fit_ridge(x: Float64Array, y: Float64Array, alpha: float) -> tuple[Float64Array, Float64Array]:
    mean_y = y.mean(axis=0)
    a = x.T @ x + alpha * np.eye(x.shape[1])
    w = np.linalg.solve(a, x.T @ (y - mean_y))
    return w, mean_y


def _r2(y: Float64Array, p: Float64Array) -> float:
    ss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - p) ** 2).sum()) / ss if ss > 0 else 0.0


def _pearson(y: Float64Array, p: Float64Array) -> float:
    if y.std() == 0 or p.std() == 0:
        return 0.0
    return float(np.corrcoef(y, p)[0, 1])


def train_linear(
    z: Float64Array, y: Float64Array, alpha: float = 10.0, test_share: float = 0.25, seed: int = 0
) -> TrainResult:
    """``z``: (rows, features) z-scores; ``y``: (rows, 2) arousal and valence in [-1, 1]."""
    if z.shape[0] < 8:
        raise ValueError(f"need at least 8 labelled utterances, got {z.shape[0]}")
    order = np.random.default_rng(seed).permutation(z.shape[0])
    n_test = max(2, round(z.shape[0] * test_share))
    test, train = order[:n_test], order[n_test:]
    w, b = fit_ridge(z[train], y[train], alpha)
    pred = np.clip(z[test] @ w + b, -1, 1)
    r2 = (_r2(y[test, 0], pred[:, 0]), _r2(y[test, 1], pred[:, 1]))
    pearson = (_pearson(y[test, 0], pred[:, 0]), _pearson(y[test, 1], pred[:, 1]))
    w_all, b_all = fit_ridge(z, y, alpha)  # the shipped model uses every row
    return TrainResult(_export(w_all, b_all), len(train), len(test), r2, pearson)


def _export(w: Float64Array, b: Float64Array) -> bytes:
    import onnx  # only when training: a daemon never pays for it
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("MatMul", ["z", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["raw"]),
        helper.make_node("Clip", ["raw", "lo", "hi"], ["av"]),
    ]
    inits = [
        numpy_helper.from_array(w.astype(np.float32), "W"),
        numpy_helper.from_array(b.astype(np.float32).reshape(1, 2), "b"),
        numpy_helper.from_array(np.array(-1.0, np.float32), "lo"),
        numpy_helper.from_array(np.array(1.0, np.float32), "hi"),
    ]
    graph = helper.make_graph(
        nodes, "voice_mood_trained",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, w.shape[0]])],
        [helper.make_tensor_value_info("av", TensorProto.FLOAT, [1, 2])],
        inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="moodplay models train-voice")  # fmt: skip
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())
