"""Play files one after another through the mixer output, as the daemon does, in a process of
its own (PortAudio and ALSA read their devices and configuration once per process), and print
the mixer's and the device's figures as JSON:

    python -m tests.player.play_parts [--device NAME] FILE...

Used by tests/player/test_mixer_outputs.py with the environment of the output under test
(a PipeWire server, an ALSA configuration in a HOME of its own)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from player import open_vlc_player
from player._device import probe_output
from player._mixdecks import MixerDecks
from tests.player.gapless import play_in_turn


def main() -> None:
    args = sys.argv[1:]
    device = args[1] if args[:1] == ["--device"] else None
    paths = [Path(p) for p in args[2 if device else 0 :]]
    probe = probe_output(device)
    player = open_vlc_player("pulse", device)
    decks = player.mixing
    assert isinstance(decks, MixerDecks)
    changes = play_in_turn(player, paths, 0.3, lambda: decks.mixer.voices == 0)
    output = decks.output
    figures = {
        "probe": asdict(probe),
        "changes": changes,
        "mixer": asdict(decks.mixer.stats),
        "device": asdict(output.stats) if output is not None else None,
    }
    player.close()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
