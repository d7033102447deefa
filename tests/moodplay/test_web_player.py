"""The player page's routes on a real daemon: seek, queue edits (MPD's rules), cover art with
ETag, and the view's score parts and "queued" flag."""

from __future__ import annotations

import io
import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import Daemon, wait_for

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable", "Orbital Elevator")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = short_library(tmp_path_factory.mktemp("web-player"), NAMES, seconds=30)
    cover = db.parent / "music" / "cover.jpg"  # one folder: every track shows it
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=teal:s=64x64",
                    "-frames:v", "1", str(cover)], check=True)  # fmt: skip
    return db


def call(daemon: Daemon, path: str, body: object = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:  # fmt: skip
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(daemon.web.rstrip("/") + path, data=data, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            raw, status, got = answer.read(), answer.status, answer.headers
    except urllib.error.HTTPError as e:
        raw, status, got = e.read(), e.code, e.headers
    kind = got.get("Content-Type", "")
    return status, (json.loads(raw) if kind.startswith("application/json") else raw), got


def status(daemon: Daemon) -> dict[str, Any]:
    view = call(daemon, "/api/status")[1]
    assert isinstance(view, dict)
    return view


def ids(view: dict[str, Any]) -> list[int]:
    return [t["id"] for t in view["queue"]]


def test_queue_edits_seek_and_parts(daemon: Daemon) -> None:
    assert call(daemon, "/api/command", {"command": "play"})[0] == 200
    view = wait_for(lambda: (v := status(daemon))["current"] and v)
    first = ids(view)
    # "why?": a planned track carries its score parts
    parts = view["queue"][1]["parts"]
    assert {"path", "track", "wear"} <= parts.keys(), parts
    assert all(isinstance(v, float) for v in parts.values())
    assert all(t["queued"] is False for t in view["queue"])

    last = first[-1]
    assert call(daemon, "/api/queue/next", {"id": last})[0] == 200
    view = status(daemon)
    assert ids(view)[:2] == [first[0], last]  # the playing track stays first
    assert view["queue"][1]["queued"] is True  # rearranged: now the user's own

    assert call(daemon, "/api/queue/move", {"id": last, "to": 3})[0] == 200
    assert ids(status(daemon))[3] == last
    # Out of the user's part: the planner may pick it again (a small library), not as theirs
    assert call(daemon, "/api/queue/remove", {"ids": [last]})[0] == 200
    mine = [t["id"] for t in status(daemon)["queue"] if t["queued"]]
    assert len(mine) == 2 and last not in mine  # the move made positions 1..3 the user's
    assert call(daemon, "/api/queue/remove", {"ids": mine})[0] == 200  # "clear my part"
    assert not any(t["queued"] for t in status(daemon)["queue"])
    planned = ids(status(daemon))[-1]  # a planned entry removed is dropped from the plan
    assert call(daemon, "/api/queue/remove", {"ids": [planned]})[0] == 200
    assert planned not in ids(status(daemon))

    refused = call(daemon, "/api/queue/move", {"id": first[0], "to": 2})
    assert refused[0] == 409 and "playing song stays first" in refused[1]["error"]
    assert call(daemon, "/api/queue/remove", {"ids": "all"})[0] == 400
    assert call(daemon, "/api/seek", {"seconds": "soon"})[0] == 400

    assert call(daemon, "/api/seek", {"seconds": 20})[0] == 200
    assert status(daemon)["elapsed"] >= 19.5

    target = ids(status(daemon))[2]
    assert call(daemon, "/api/queue/play", {"id": target})[0] == 200
    wait_for(lambda: status(daemon)["current"]["id"] == target)


def test_cover_art_with_etag(daemon: Daemon, library_db: Path) -> None:
    track = status(daemon)["queue"][0]["id"]
    code, body, headers = call(daemon, f"/api/cover/{track}")
    assert code == 200 and headers["Content-Type"] == "image/jpeg"
    assert body == (library_db.parent / "music" / "cover.jpg").read_bytes()
    assert "max-age" in headers["Cache-Control"] and headers["ETag"].startswith('"')
    again = call(daemon, f"/api/cover/{track}", headers={"If-None-Match": headers["ETag"]})
    assert again[0] == 304 and again[1] == b""
    assert call(daemon, "/api/cover/999999")[0] == 404
    assert call(daemon, "/api/cover/x")[0] == 404


def test_cover_thumbnails_are_scaled_jpegs_with_their_own_etag(daemon: Daemon) -> None:
    import av

    track = status(daemon)["queue"][0]["id"]
    whole = call(daemon, f"/api/cover/{track}")[2]["ETag"]
    code, body, headers = call(daemon, f"/api/cover/{track}?size=32")
    assert code == 200 and headers["Content-Type"] == "image/jpeg" and headers["ETag"] != whole
    with av.open(io.BytesIO(body), mode="r") as got:
        frame = next(got.decode(video=0))
    assert (frame.width, frame.height) == (32, 32)  # the 64 x 64 cover, halved
    again = call(daemon, f"/api/cover/{track}?size=32", headers={"If-None-Match": headers["ETag"]})
    assert again[0] == 304
    big = call(daemon, f"/api/cover/{track}?size=512")  # larger than the picture: as it is
    assert big[0] == 200 and big[1][:2] == b"\xff\xd8" and len(big[1]) > 0
    for bad in ("5000", "0", "x"):
        assert call(daemon, f"/api/cover/{track}?size={bad}")[0] == 400
