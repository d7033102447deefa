"""The real ``mpc`` (0.34), every command of its manual that applies to moodplay, against
moodplay and the real MPD 0.23 on the same music (``server`` fixture): both must answer with
the same shape. Exit codes and the form of each line always; the lines themselves where the data
is the same (the library). moodplay plans its own queue, so positions and queue lengths after an
edit are not compared."""

from __future__ import annotations

import re
import select
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpc_transcript import SONG, Transcript, options, playing, state
from tests.moodplay.mpd_reference import Raw, real_mpd

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph")
FILES = tuple(sorted(f"{name}.ogg" for name in NAMES))
TITLES = tuple(sorted(NAMES))
ALBUMS = ("Endgame: Singularity (Advanced Research)", "Endgame: Singularity Original Soundtrack")
COVER = "cover.jpg"


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = short_library(tmp_path_factory.mktemp("mpd_clients"), NAMES, seconds=20)
    # The folder's cover, where MPD's albumart finds it (cover.jpg next to the songs).
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=48x32",
                    "-frames:v", "1", str(db.parent / "music" / COVER)], check=True)  # fmt: skip
    return db


def test_mpc_reads_the_library_as_mpd(server: int) -> None:
    t = Transcript(server)
    t.step("status", lines=(options(),))
    t.step(lines=(options(),))
    t.step("version", lines=(r"mpd version: 0\.23\.\d+",))
    t.step("outputs", lines=(r"Output 1 \(.+\) is enabled",))
    t.step("current")
    t.step("queued")
    t.step("playlist", lines=(SONG,) * len(NAMES))  # the whole library is queued on both
    t.step("ls", same=FILES)
    t.step("listall", same=FILES)
    t.step("listall", "Nebula.ogg", same=("Nebula.ogg",))
    t.step("search", "title", "Neb", same=("Nebula.ogg",))
    t.step("search", "any", "aleph", same=("Apex Aleph.ogg",))
    t.step("search", "artist", "maxstack", "title", "a", same=("Apex Aleph.ogg",
           "Awakening.ogg", "Nebula.ogg"))  # fmt: skip
    t.step("search", "album", "research", same=("Nebula.ogg",))
    t.step("find", "title", "Nebula", same=("Nebula.ogg",))
    t.step("find", "artist", "Maxstack", "title", "Nebula", same=("Nebula.ogg",))
    t.step("find", "artist", "Maxstack", "album", "x", same=())
    t.step("find", "artist", "maxstack", same=())  # find is exact, case included
    t.step("list", "album", same=ALBUMS)
    t.step("list", "artist", same=("Maxstack",))
    t.step("list", "title", "artist", "Maxstack", same=TITLES)
    t.step("stats", lines=(
        r"Artists: +1", r"Albums: +2", rf"Songs: +{len(NAMES)}", "", r"Play Time: +0 days, .*",
        r"Uptime: +\d+ days, .*", r"DB Updated: +\w{3} \w{3} .*",
        rf"DB Play Time: +0 days, 0:0{len(NAMES) * 20 // 60}:{len(NAMES) * 20 % 60:02d}",
    ))  # fmt: skip
    t.step("update", "--wait", lines=(options(),))
    t.step("rescan", "--wait", lines=(options(),))
    t.check()


def test_mpc_plays_as_mpd(server: int) -> None:
    t = Transcript(server)
    queue = t.step("playlist", lines=(SONG,) * len(NAMES)).lines
    play = t.step("play", "2", lines=playing())
    t.expect(play.lines[:1] == queue[1:2], play, f"played {play.lines[:1]}, not {queue[1]}")
    now = t.step("current", lines=(SONG,))
    t.expect(now.lines == play.lines[:1], now, f"current is not {play.lines[:1]}")
    t.step("queued", lines=(SONG,))
    t.step("pause", lines=playing("paused"))
    t.step("toggle", lines=playing())
    t.step("pause", lines=playing("paused"))
    # Paused, so the position is exact: seeks as mpc's manual lists them.
    t.step("seek", "0:03", lines=(SONG, state("paused", "0:03", "15"), options()))
    t.step("seek", "+5", lines=(SONG, state("paused", "0:08", "40"), options()))
    t.step("seek", "-2", lines=(SONG, state("paused", "0:06", "30"), options()))
    t.step("seek", "50%", lines=(SONG, state("paused", "0:10", "50"), options()))
    t.step("seek", "+0:00:01", lines=(SONG, state("paused", "0:11", "55"), options()))
    t.step("seekthrough", "+3", lines=(SONG, state("paused", "0:14", "70"), options()))
    t.step("pause-if-playing", rc=127)  # paused already: mpc's documented failure
    t.step("play", lines=playing())
    t.step("pause-if-playing", lines=playing("paused"))
    # At most 40 %: moodplay caps the volume there during quiet hours (the evening, by default).
    t.step("volume", "30", lines=playing("paused", volume="30"))
    t.step("volume", "+5", lines=playing("paused", volume="35"))
    t.step("volume", "-20", lines=playing("paused", volume="15"))
    t.step("volume", "+15", lines=playing("paused", volume="30"))
    t.step("volume", lines=(r"volume: 30%",))
    t.step("repeat", lines=playing("paused", volume="30", repeat="on"))
    t.step("repeat", "off", lines=playing("paused", volume="30"))
    t.step("single", lines=playing("paused", volume="30", single="on"))
    t.step("single", "off", lines=playing("paused", volume="30"))
    t.step("single", "once", lines=playing("paused", volume="30", single="once"))
    t.step("single", "off", lines=playing("paused", volume="30"))
    t.step("random", "off", lines=playing("paused", volume="30"))
    t.step("consume", "off", lines=playing("paused", volume="30"))
    t.step("toggle", lines=playing())
    t.step("next", lines=playing())
    t.step("prev", lines=playing())
    t.step("cdprev", lines=playing())
    t.step("crossfade", "2")
    t.step("crossfade", lines=(r"crossfade: 2",))
    t.step("crossfade", "0")
    t.step("replaygain", "album")
    t.step("replaygain", lines=(r"replay_gain_mode: album",))
    t.step("mixrampdb", lines=(r"mixrampdb: -?\d+\.\d+",))
    t.step("mixrampdelay", lines=(r"mixrampdelay: -?\d+\.\d+",))
    t.step("clearerror", lines=playing())
    t.step("stop", lines=(options("30"),))
    t.check()


def test_mpc_switches_outputs_as_mpd(server: int) -> None:
    t = Transcript(server)
    t.step("enable", "1", lines=(r"Output 1 \(.+\) is enabled",))
    t.step("enable", "only", "1", lines=(r"Output 1 \(.+\) is enabled",))
    t.step("outputs", lines=(r"Output 1 \(.+\) is enabled",))
    t.check()


def test_mpc_edits_the_queue_as_mpd(server: int) -> None:
    t = Transcript(server)
    t.step("play", lines=playing())
    t.step("add", "Awakening.ogg")
    t.step("insert", "Coherence.ogg")
    added = t.step("playlist", lines=(SONG,) * len(t.run("playlist").lines)).lines
    last = max(i for i, line in enumerate(added) if line.endswith(" - Awakening"))
    t.step("del", str(last + 1))  # the entry it added (mpc counts from 1)
    t.step("findadd", "title", "Nebula")
    t.step("findadd", "artist", "Maxstack", "title", "Apex Aleph")
    t.step("searchadd", "title", "co")
    t.step("searchadd", "artist", "max", "album", "research")
    t.step("prio", "5", "1")
    t.step("searchplay", "Nebula", lines=playing())
    now = t.run("current")
    t.expect(now.lines == ["Maxstack - Nebula"], now, f"searchplay played {now.lines}")
    before = t.step("playlist", lines=(SONG,) * len(t.run("playlist").lines)).lines
    t.step("move", "2", "3")
    moved = t.step("playlist", lines=(SONG,) * len(before)).lines
    want = [before[0], before[2], before[1], *before[3:]]
    t.expect(moved == want, t.run("playlist"), f"move 2 3 gave {moved}, wanted {want}")
    now = t.step("current", lines=(SONG,))
    t.step("crop")
    kept = t.step("current", lines=(SONG,))
    t.expect(kept.lines == now.lines, kept, f"crop changed the song to {kept.lines}")
    t.step("clear", lines=(options(),))
    t.check()


def test_mpc_stored_playlists_as_mpd(server: int) -> None:
    t = Transcript(server)
    t.step("lsplaylists")
    queue = t.step("playlist", lines=(SONG,) * len(NAMES)).lines
    t.step("save", "mine")
    t.step("lsplaylists", same=("mine",))
    t.step("playlist", "mine", same=tuple(queue))
    t.step("save", "mine", rc=1, lines=())  # "Playlist already exists"
    t.step("load", "mine", lines=(r"loading: mine",))
    t.step("rm", "mine")
    t.step("lsplaylists")
    t.step("load", "mine", rc=1, lines=(r"loading: mine",))  # "No such playlist"
    t.check()


def test_mpc_album_art_as_mpd(server: int, library_db: Path) -> None:
    t = Transcript(server)
    art = t.run("albumart", "Nebula.ogg")  # the picture's bytes on stdout
    cover = (library_db.parent / "music" / COVER).read_bytes()
    t.expect((art.rc, art.out) == (0, cover), art,
             f"exit {art.rc}, {len(art.out)} bytes, not the {len(cover)} of {COVER}")  # fmt: skip
    t.step("albumart", "Nosuch/x.ogg", rc=1)  # MPD looks in the folder, so: no folder
    # No picture inside the Ogg files: "No data" on stderr, then the status.
    pic = t.step("readpicture", "Nebula.ogg", lines=(options(),))
    t.expect(pic.err.strip() == "No data", pic, "did not say No data")
    t.check()


def test_mpc_sends_moodplay_a_message(server: int) -> None:
    """``mpc sendmessage moodplay like``: moodplay's own commands ride on MPD's client
    messages. MPD delivers only to a subscriber, so one is there for both."""
    subscriber = Raw(server)
    subscriber.send("subscribe moodplay")  # moodplay needs none (an ACK there is fine)
    subscriber.answer()
    t = Transcript(server)
    t.step("play", lines=playing())
    t.step("sendmessage", "moodplay", "like")
    t.step("channels", same=("moodplay",))
    t.step("status", lines=playing())  # the connection and the music go on
    subscriber.close()
    t.check()


def test_mpc_waitmessage_reads_moodplays_answers(daemon: Daemon) -> None:
    """moodplay only (issue 15): ``mpc waitmessage moodplay-replies`` waits for the answer to a
    ``sendmessage moodplay`` command from another client and prints it."""
    port = daemon.mpd_port
    t = Transcript(port)
    t.run("play")
    waiting = subprocess.Popen(["mpc", "-h", "127.0.0.1", "-p", str(port), "waitmessage",
                                "moodplay-replies"], stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert waiting.stdout is not None
    for _ in range(50):  # until it has subscribed and the answer reached it
        t.run("sendmessage", "moodplay", "why")
        if select.select([waiting.stdout], [], [], 0.2)[0]:
            break
    out, _ = waiting.communicate(timeout=10)
    assert waiting.returncode == 0
    assert len(out.strip()) > 10, out  # the reason for the pick, in words (not "ok")


REFUSED_BY_DESIGN = {
    ("random", "on"): "moodplay picks the order itself (the mood plan); random 0 is accepted",
    ("consume", "on"): "moodplay drops played tracks from the queue itself; consume 0 is accepted",
    ("shuffle",): "moodplay picks the order itself; shuffling would undo the mood plan",
    ("disable", "1"): "moodplay's one output stays on: pause, or set the volume, instead",
    ("toggleoutput", "1"): "moodplay's one output stays on: pause, or set the volume, instead",
}
"""mpc commands MPD accepts and moodplay refuses on purpose; the refusal is an MPD error (an
ACK), the connection and the music go on."""

NOT_APPLICABLE = {
    "sticker": "MPD's sticker database; moodplay keeps likes and plays in its own store",
    "mount/unmount/listneighbors": "MPD's storage and neighbour plugins (network shares)",
    "outputset": "output plugin attributes; moodplay has one output of its own",
    "tagtypes": "not an mpc 0.34 command (python-mpd2 and ncmpcpp use it, tested elsewhere)",
}
"""mpc commands of the manual that do not apply to moodplay, with the reason (not run)."""


@pytest.mark.parametrize("args", list(REFUSED_BY_DESIGN), ids=" ".join)
def test_mpc_commands_moodplay_refuses_by_design(args: tuple[str, ...], daemon: Daemon) -> None:
    t = Transcript(daemon.mpd_port)
    t.step("play", lines=playing())
    refused = t.run(*args)
    t.expect(refused.rc == 1 and refused.err.startswith("MPD error: "), refused,
             f"exit {refused.rc}, not refused with an MPD error")  # fmt: skip
    t.step("status", lines=playing())
    t.check()


@pytest.mark.parametrize("args", list(REFUSED_BY_DESIGN), ids=" ".join)
def test_mpd_accepts_what_moodplay_refuses(args: tuple[str, ...], library_db: Path,
                                            tmp_path: Path) -> None:  # fmt: skip
    with real_mpd(library_db.parent / "music", tmp_path / "mpd") as port:
        t = Transcript(port)
        t.step("play", lines=playing())
        ran = t.run(*args)
        t.expect(ran.rc == 0, ran, f"exit {ran.rc}")
        t.check()


def _wait_while_changing(port: int, args: tuple[str, ...],
                         change: tuple[str, ...]) -> tuple[int, str, str]:  # fmt: skip
    """Start ``mpc ARGS`` (it waits), then make ``change`` until it returns (a change made
    before it started waiting would not end the wait); its exit code, stdout and stderr."""
    t = Transcript(port)
    waiting = subprocess.Popen(["mpc", "-h", "127.0.0.1", "-p", str(port), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert waiting.stdout is not None
    for _ in range(50):
        t.run(*change)
        if select.select([waiting.stdout], [], [], 0.2)[0]:
            break
    out, err = waiting.communicate(timeout=10)
    return waiting.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("args", "change", "printed"),
    [
        (("idle",), ("volume", "-1"), "mixer"),
        (("idle", "options"), ("repeat",), "options"),
        (("idle", "player"), ("toggle",), "player"),
        (("idle", "playlist"), ("move", "2", "3"), "playlist"),
        (("current", "--wait"), ("next",), SONG),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_mpc_waits_for_a_change_as_mpd(server: int, args: tuple[str, ...],
                                       change: tuple[str, ...], printed: str) -> None:  # fmt: skip
    if change == ("next",):
        Transcript(server).run("play")  # (MPD tells "player" a moment later: mpc current
        # --wait may end on that one, and prints the song all the same)
    rc, out, err = _wait_while_changing(server, args, change)
    assert rc == 0, err
    assert re.fullmatch(printed, out.strip()), out


def test_mpc_idle_ignores_changes_it_did_not_ask_for(server: int) -> None:
    t = Transcript(server)
    waiting = subprocess.Popen(["mpc", "-h", "127.0.0.1", "-p", str(server), "idle", "player"],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(0.5)
    for volume in ("20", "30", "40"):
        t.step("volume", volume, lines=(options(volume),))
    t.step("repeat", lines=(options("40", repeat="on"),))
    still = waiting.poll()
    t.run("play")
    out, _ = waiting.communicate(timeout=10)
    assert (still, out.strip()) == (None, "player")
    t.check()
