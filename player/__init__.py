"""libVLC playback. Built by the daemon issue."""
