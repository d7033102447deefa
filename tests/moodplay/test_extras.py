"""The Pi-sized install (issue 15): matplotlib and onnx are extras, and the two commands that
need them say how to install them, before doing any work, when they are missing."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from moodplay._extras import MissingExtraError, require_extra
from tests.conftest import REPO


def _moodplay_without(module: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a fresh interpreter where ``module`` cannot be imported, as in a runtime
    venv without the extra."""
    code = (f"import sys; sys.modules[{module!r}] = None\n"
            "from moodplay._cli import main\n"
            f"sys.exit(main({list(argv)!r}))")  # fmt: skip
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_library_map_without_matplotlib_says_which_extra(tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    result = _moodplay_without("matplotlib", "library", "map", "--out", str(out),
                               "--db", str(tmp_path / "none.db"))  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "moodplay: `moodplay library map` needs matplotlib, which is not installed: "
        "pip install 'moodplay[map]' (in a clone: .venv/bin/pip install -e '.[map]')"
    ]
    assert not out.exists() and not (tmp_path / "none.db").exists()  # checked before any work


def test_train_voice_without_onnx_says_which_extra_before_reading_the_corpus(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("path,arousal,valence\nmissing.wav,0.5,0.5\n")  # unreadable: never reached
    result = _moodplay_without("onnx", "models", "train-voice", str(data))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "moodplay: `moodplay models train-voice` needs onnx, which is not installed: "
        "pip install 'moodplay[train]' (in a clone: .venv/bin/pip install -e '.[train]')"
    ]


def test_an_installed_module_passes_and_a_missing_one_names_the_extra() -> None:
    require_extra("json", "map", "library map")
    require_extra("email.mime", "map", "library map")
    with pytest.raises(MissingExtraError, match=r"moodplay\[train\]"):
        require_extra("no_such_module_moodplay", "train", "models train-voice")
    with pytest.raises(MissingExtraError, match=r"no_such_parent_moodplay\.child"):
        require_extra("no_such_parent_moodplay.child", "train", "models train-voice")


def test_the_daemon_and_scanner_import_none_of_the_extras() -> None:
    """What a runtime venv leaves out is never imported on the way to playing music."""
    code = ("import sys, moodplay._cli, moodplay._daemon, library, mood, voice, player\n"
            "print(sorted({'matplotlib', 'onnx', 'opensmile', 'pandas', 'pyarrow',"
            " 'audinterface'} & set(sys.modules)))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=True)  # fmt: skip
    assert result.stdout.strip() == "[]"


def test_runtime_dependencies_leave_out_the_extras_and_tests_get_them() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = {_name(d) for d in project["dependencies"]}
    assert not runtime & {"matplotlib", "onnx", "opensmile", "pandas", "pyarrow"}
    extras = project["optional-dependencies"]
    assert [_name(d) for d in extras["map"]] == ["matplotlib"]
    assert [_name(d) for d in extras["train"]] == ["onnx"]
    assert "moodplay[map,train]" in extras["test"]
    assert "opensmile==2.6.0" in extras["test"]  # with its own deps: the parity test's reference
    setup = (REPO / "scripts" / "setup.sh").read_text()
    assert 'pip install -q --no-deps "opensmile==2.6.0"' in setup  # the same pin, deps left out


def _name(requirement: str) -> str:
    for stop in "<>=![ ;":
        requirement = requirement.split(stop, maxsplit=1)[0]
    return requirement.strip()
