"""moodplay's MPD server: the MPD 0.23 protocol on top of the live session (see the README's
"MPD protocol" section and docs/mpd-differences.toml)."""

from moodplay.mpd._facade import PROTOCOL_VERSION, MpdFacade
from moodplay.mpd._messages import CHANNEL, REPLIES
from moodplay.mpd._protocol import ProtocolError
from moodplay.mpd._server import MpdServer

__all__ = ["CHANNEL", "PROTOCOL_VERSION", "REPLIES", "MpdFacade", "MpdServer", "ProtocolError"]
