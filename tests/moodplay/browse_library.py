"""A small library with two artists and two albums, for the page's browse and search tests:
10-second cuts of corpus tracks, retagged with mutagen, scanned with the CLI.

::

    Alpha/First Light/Awakening.ogg   Alpha Ensemble, "First Light", disc 1 track 2
    Alpha/First Light/Coherence.ogg   Alpha Ensemble, "First Light", disc 1 track 1
    Alpha/First Light/Nebula.ogg      Alpha Ensemble, "First Light", disc 2 track 1
    Beta/Inevitable.ogg               Beta Trio, "Second Wind", track 1
    Beta/Media Threat.ogg             Beta Trio, "Second Wind", track 2
    Orbital Elevator.ogg              as in the corpus (Maxstack, "Endgame: ...")
"""

from __future__ import annotations

from pathlib import Path

import mutagen.oggvorbis

from tests.conftest import corpus_files, ffmpeg, run_moodplay

FIRST, SECOND = "First Light", "Second Wind"
ALPHA, BETA = "Alpha Ensemble", "Beta Trio"
FIRST_ORDER = ["Coherence", "Awakening", "Nebula"]
"""The album by disc, then track."""
FILES = {
    "Alpha/First Light/Awakening.ogg": (ALPHA, FIRST, "1", "2"),
    "Alpha/First Light/Coherence.ogg": (ALPHA, FIRST, "1", "1"),
    "Alpha/First Light/Nebula.ogg": (ALPHA, FIRST, "2", "1"),
    "Beta/Inevitable.ogg": (BETA, SECOND, "", "1"),
    "Beta/Media Threat.ogg": (BETA, SECOND, "", "2"),
    "Orbital Elevator.ogg": None,
}


def build(folder: Path) -> Path:
    """The music in ``folder``/music, scanned into ``folder``/lib.db (returned)."""
    music = folder / "music"
    for name, tags in FILES.items():
        path = music / name
        path.parent.mkdir(parents=True, exist_ok=True)
        source = next(p for p in corpus_files() if p.stem == path.stem)
        ffmpeg(source, path, "-c:a", "copy", seconds=10)
        if tags is not None:
            comments = mutagen.oggvorbis.OggVorbis(path)
            artist, album, disc, track = tags
            comments["artist"], comments["album"], comments["tracknumber"] = artist, album, track
            if disc:
                comments["discnumber"] = disc
            comments.save()
    db = folder / "lib.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(music))
    assert result.returncode == 0, result.stderr
    return db
