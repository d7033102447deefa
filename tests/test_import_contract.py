"""DESIGN.md's table of who may import whom, checked on every module of ours."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OURS = ("models", "mood", "library", "context", "voice", "recommend", "player", "moodplay")

# Our packages each room may import (itself always allowed).
ALLOWED_OURS: dict[str, set[str]] = {
    "models": set(),
    "mood": {"models"},
    "library": {"mood"},
    "context": set(),
    "voice": {"models", "mood"},
    "recommend": set(),
    "player": set(),
    "moodplay": set(OURS),
}
# Third-party engines and the one room allowed to import each (DESIGN.md, "may import").
ENGINE_OWNER = {
    "onnxruntime": "models",
    "onnx": "models",
    "opensmile": "mood",
    "vaderSentiment": "mood",
    "soxr": "mood",
    "mutagen": "library",
    "soundfile": "library",
    "av": "library",
    "sqlite3": "library",
    "sounddevice": {"voice", "player"},  # DESIGN.md: player/ plays through its own stream
    "vosk": "voice",
    "pocketsphinx": "voice",
    "vlc": "player",
    "matplotlib": "moodplay",
    "librosa": set(),  # only the parity tests and the benchmark may use vibenet's own pipeline
    "numba": set(),
    "vibenet": set(),
}
# The one adapter module that may import each engine (one per room that owns it).
ENGINE_MODULE: dict[str, str | tuple[str, ...]] = {
    "onnxruntime": "models/_onnx.py",
    "soundfile": "library/_decode_sndfile.py",
    "av": "library/_decode_av.py",
    "mutagen": "library/_id3.py",
    "sqlite3": "library/_store.py",
    "matplotlib": "moodplay/_moodmap.py",
    "sounddevice": ("voice/_capture.py", "player/_device.py"),
    "vosk": "voice/_vosk.py",
    "pocketsphinx": "voice/_sphinx.py",
    "opensmile": "mood/_smile.py",
    "vlc": "player/_vlc.py",
    "vaderSentiment": "mood/_vader.py",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules() -> list[tuple[str, Path]]:
    return [(room, p) for room in OURS for p in sorted((REPO / room).rglob("*.py"))]


@pytest.mark.parametrize(("room", "path"), _modules(), ids=str)
def test_room_imports_follow_design(room: str, path: Path) -> None:
    imported = _imports(path)
    ours = {m for m in imported if m in OURS} - {room}
    assert ours <= ALLOWED_OURS[room], (
        f"{path.relative_to(REPO)} imports {ours - ALLOWED_OURS[room]}"
    )
    rel = str(path.relative_to(REPO))
    for engine in imported & set(ENGINE_OWNER):
        owners = ENGINE_OWNER[engine]
        owners = {owners} if isinstance(owners, str) else owners
        assert room in owners, f"{rel} imports {engine}, which belongs to {owners or 'no room'}"
        if engine in ENGINE_MODULE:
            allowed = ENGINE_MODULE[engine]
            allowed = (allowed,) if isinstance(allowed, str) else allowed
            assert rel in allowed, f"{engine} is imported only in {' or '.join(allowed)}"


def test_recommend_imports_numpy_only() -> None:
    for path in (REPO / "recommend").rglob("*.py"):
        third_party = {m for m in _imports(path) if m not in OURS} - {"numpy", "__future__"}
        stdlib_ok = {
            "dataclasses",
            "typing",
            "collections",
            "math",
            "enum",
            "functools",
            "datetime",
        }  # datetime: reasons name the day of a stored play (pure)
        assert third_party <= stdlib_ok, f"{path} imports {third_party - stdlib_ok}"


def test_contract_sees_every_room() -> None:
    assert all((REPO / room / "__init__.py").is_file() for room in OURS)
    assert len(_modules()) > 20  # the walk found the code, so the checks above mean something
