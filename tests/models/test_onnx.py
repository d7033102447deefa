from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from models import CPU, VIBENET_EFFICIENTNET, ModelError, OnnxModel, PackagedModel


def test_unavailable_provider_warns_and_falls_back_to_cpu(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        model = OnnxModel(VIBENET_EFFICIENTNET.path(), ["NoSuchExecutionProvider", CPU], threads=1)
    assert model.providers == [CPU]
    assert "NoSuchExecutionProvider is not available" in caplog.text


def test_model_runs_and_validates_inputs() -> None:
    model = OnnxModel(VIBENET_EFFICIENTNET.path())
    (out,) = model.run({"x": np.full((1, 128, 100), -40.0, dtype=np.float32)})
    assert out.shape == (1, 7)
    assert np.all(np.isfinite(out))
    with pytest.raises(ModelError, match="finite float32"):
        model.run({"x": np.full((1, 128, 100), np.nan, dtype=np.float32)})
    with pytest.raises(ModelError, match="missing inputs"):
        model.run({})


def test_missing_model_package_and_file_say_how_to_fix(tmp_path: Path) -> None:
    absent = PackagedModel("no_such_pkg_xyz", "m.onnx", "pip install no_such_pkg_xyz")
    with pytest.raises(ModelError, match="not installed; pip install no_such_pkg_xyz"):
        absent.path()
    with pytest.raises(ModelError, match="does not exist"):
        OnnxModel(tmp_path / "missing.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot load ONNX model"):
        OnnxModel(junk)


def test_model_version_names_package_and_file_hash() -> None:
    version = VIBENET_EFFICIENTNET.version()
    assert version.startswith("vibenet 0.1.0, sha256 ")
    assert len(version.split("sha256 ")[1]) == 12
