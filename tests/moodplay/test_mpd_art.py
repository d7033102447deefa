"""Cover art as MPD 0.23 sends it: ``albumart`` (cover.png/jpg/webp beside the song) and
``readpicture`` (the embedded picture) in ``binarylimit`` chunks — raw lines, python-mpd2 and
mpc, against moodplay and, where Debian's ``mpd`` is installed, the real MPD on the same music."""

from __future__ import annotations

import subprocess
from pathlib import Path

import mpd
import pytest

from library import read_picture
from moodplay.mpd._protocol import Conversation
from tests.moodplay import tagged_library
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tagged_library.build(tmp_path_factory.mktemp("mpd_art"))


@pytest.fixture
def music(library_db: Path) -> Path:
    return library_db.parent / "music"


def chunk(client: Raw, line: str) -> tuple[list[str], bytes]:
    """One binary answer: its header lines and its bytes (the OK checked)."""
    client.send(line)
    head: list[str] = []
    while not (text := client.stream.readline().decode()).startswith("binary: "):
        assert not text.startswith(("ACK", "OK")), (line, head, text)
        head.append(text.rstrip("\n"))
    size = int(text.removeprefix("binary: "))
    data = client.stream.read(size)
    assert client.stream.readline() == b"\n" and client.stream.readline() == b"OK\n"
    return head, data


def fetch(client: Raw, command: str, uri: str) -> tuple[list[str], bytes]:
    """The whole picture, chunk after chunk, as clients fetch it."""
    head, data = chunk(client, f'{command} "{uri}" 0')
    size = int(head[0].removeprefix("size: "))
    while len(data) < size:
        more_head, more = chunk(client, f'{command} "{uri}" {len(data)}')
        assert more_head == head and more
        data += more
    return head, data


ERRORS = {
    "albumart Nebula.ogg 0": "ACK [50@0] {albumart} No file exists",
    "albumart nope/x.ogg 0": "ACK [50@0] {albumart} No file exists",
    'albumart "" 0': "ACK [50@0] {albumart} No file exists",
    "albumart Soundtrack/Awakening.ogg 999999": "ACK [2@0] {albumart} Offset too large",
    "albumart Soundtrack/Awakening.ogg -1": "ACK [2@0] {albumart} Number too large: -1",
    "albumart Soundtrack/Awakening.ogg 1.5": "ACK [2@0] {albumart} Integer expected: 1.5",
    "albumart Soundtrack/Awakening.ogg": 'ACK [2@0] {albumart} wrong number of arguments for '
    '"albumart"',
    "albumart /etc/x.ogg 0": "ACK [4@0] {albumart} Access denied",
    "readpicture Soundtrack/Nothing.flac 0": "ACK [50@0] {readpicture} No such song",
    "readpicture Soundtrack 0": "ACK [50@0] {readpicture} No such song",
    "readpicture Soundtrack/Coherence.mp3 999999": "ACK [2@0] {readpicture} Bad file offset",
    "readpicture Soundtrack/Coherence.mp3 -1": "ACK [2@0] {readpicture} Number too large: -1",
    "readpicture Soundtrack/Coherence.mp3": 'ACK [2@0] {readpicture} wrong number of arguments '
    'for "readpicture"',
}  # fmt: skip
"""What the real MPD 0.23 answered."""


def test_refusals_and_no_picture_as_mpd(server: int) -> None:
    client = Raw(server)
    for line, ack in ERRORS.items():
        assert client.ask(line) == [ack], line
    assert client.ask("readpicture Nebula.ogg 0") == ["OK"]  # no picture: nothing, no error
    assert client.ask("readpicture Soundtrack/Awakening.ogg 0") == ["OK"]
    client.close()


def test_the_folders_cover_in_chunks(server: int, music: Path) -> None:
    cover = (music / "Soundtrack/cover.jpg").read_bytes()
    client = Raw(server)
    for uri in ("Soundtrack/Awakening.ogg", "Soundtrack/Coherence.mp3", "Soundtrack/gone.ogg"):
        assert fetch(client, "albumart", uri) == ([f"size: {len(cover)}"], cover), uri
    assert client.ask("binarylimit 64") == ["OK"]
    head, first = chunk(client, "albumart Soundtrack/Inevitable.flac 0")
    assert (head, first) == ([f"size: {len(cover)}"], cover[:64])
    _, last = chunk(client, f"albumart Soundtrack/Inevitable.flac {len(cover) - 10}")
    assert last == cover[-10:]
    assert chunk(client, f"albumart Soundtrack/Inevitable.flac {len(cover)}")[1] == b""
    assert fetch(client, "albumart", "Soundtrack/Awakening.ogg")[1] == cover
    client.close()


def test_embedded_pictures_in_chunks(server: int, music: Path) -> None:
    png = read_picture(music / "Soundtrack/Coherence.mp3")
    jpeg = read_picture(music / "Soundtrack/Inevitable.flac")
    assert png is not None and png.data.startswith(b"\x89PNG")
    assert jpeg is not None and jpeg.data.startswith(b"\xff\xd8")
    client = Raw(server)
    for uri, picture in (("Soundtrack/Coherence.mp3", png), ("Soundtrack/Inevitable.flac", jpeg)):
        head = [f"size: {len(picture.data)}", f"type: {picture.mime}"]
        assert fetch(client, "readpicture", uri) == (head, picture.data), uri
    assert client.ask("binarylimit 100") == ["OK"]
    head, data = chunk(client, "readpicture Soundtrack/Coherence.mp3 0")
    assert data == png.data[:100]
    assert fetch(client, "readpicture", "Soundtrack/Coherence.mp3")[1] == png.data
    client.close()


def test_python_mpd2_and_mpc_get_the_same_bytes(server: int, music: Path) -> None:
    cover = (music / "Soundtrack/cover.jpg").read_bytes()
    png = read_picture(music / "Soundtrack/Coherence.mp3")
    assert png is not None
    client = mpd.MPDClient()
    client.connect("127.0.0.1", server)
    client.binarylimit(128)  # many chunks
    assert client.albumart("Soundtrack/Coherence.mp3")["binary"] == cover
    got = client.readpicture("Soundtrack/Coherence.mp3")
    assert (got["binary"], got["type"]) == (png.data, "image/png")
    assert client.readpicture("Nebula.ogg") == {}
    with pytest.raises(mpd.CommandError, match="No file exists"):
        client.albumart("Nebula.ogg")
    assert client.ping() is None  # still in step after the binary answers
    client.disconnect()
    for command, want in (("albumart", cover), ("readpicture", png.data)):
        out = subprocess.run(["mpc", "-p", str(server), command, "Soundtrack/Coherence.mp3"],
                             capture_output=True, timeout=20, check=True)  # fmt: skip
        assert out.stdout == want, command


def test_pictures_outside_the_library_are_not_read(daemon: Daemon, tmp_path: Path,
                                                   music: Path) -> None:  # fmt: skip
    """A URI climbing out of the library finds no cover, even where one exists (intended
    difference: MPD 0.23 follows ".." out of its music folder)."""
    outside = music.parent / "cover.jpg"
    outside.write_bytes(b"\xff\xd8secret")
    try:
        client = Raw(daemon.mpd_port)
        assert client.ask("albumart ../x.ogg 0") == ["ACK [50@0] {albumart} No file exists"]
        assert client.ask("albumart Soundtrack/../../x.ogg 0") == [
            "ACK [50@0] {albumart} No file exists"
        ]
        client.close()
    finally:
        outside.unlink()


def test_a_binary_chunk_passes_through_the_conversation_byte_for_byte() -> None:
    every_byte = bytes(range(256)) + b"\n\xed\xa0\x80OK\n"
    conversation = Conversation(lambda name, args: [("size", 999), ("binary", every_byte)])
    answer = conversation.handle(b"albumart x 0")
    assert answer is not None
    wire = answer.encode("utf-8", "surrogateescape")  # as the server writes it
    assert wire == b"size: 999\nbinary: %d\n" % len(every_byte) + every_byte + b"\nOK\n"
