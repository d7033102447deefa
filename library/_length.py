"""Does a file state its own length? Small readers of the few header fields that say so.

A length is either stated by the container (an MP3 Xing/Info/VBRI frame count, a WAV data size,
an Ogg stream's last granule) and then checked against the audio, or measured by counting the
frames to the end. Decoders also offer estimates (a bitrate times a file size) that look like
statements; these readers let the decoders tell the two apart. Plain byte reads, no engines.
"""

from __future__ import annotations

from pathlib import Path

_SCAN_BYTES = 1 << 16
_PIPE_SIZES = 0x7FFFF000  # ffmpeg (0xFFFFFFFF), sox (0x7FFFF000) and others write these to pipes
_OGG_BOS = b"OggS\x00\x02"  # capture pattern, version 0, header type "beginning of stream"


def _id3v2_size(head: bytes) -> int:
    """Bytes of an ID3v2 tag at the start of ``head`` (0 when there is none)."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def mp3_states_length(path: Path) -> bool:
    """True when the MP3's first frame is a Xing, Info or VBRI frame (a frame count).

    Without one, every decoder's length is the first frame's bitrate times the file size: an
    estimate, wrong for VBR files. Raises OSError when the file cannot be read.
    """
    with path.open("rb") as f:
        head = f.read(10)
        f.seek(_id3v2_size(head))
        data = f.read(_SCAN_BYTES)
    for at in range(len(data) - 1):
        if data[at] == 0xFF and data[at + 1] & 0xE0 == 0xE0:  # the first frame sync
            frame = data[at : at + 200]
            return any(mark in frame for mark in (b"Xing", b"Info", b"VBRI"))
    return False


def ogg_stream_count(path: Path) -> int:
    """Logical streams that begin in the Ogg file (2 or more: chained, as ``cat a b`` makes).

    Reads the whole file in 64 KiB blocks. Raises OSError when the file cannot be read.
    """
    count, tail = 0, b""
    with path.open("rb") as f:
        while block := f.read(_SCAN_BYTES):
            data = tail + block
            count += data.count(_OGG_BOS)
            tail = data[-(len(_OGG_BOS) - 1) :]
    return count


def wav_states_length(path: Path) -> bool:
    """False when a RIFF WAV's data size is a placeholder (0 or 0xFFFFFFFF, as written to a
    pipe), so only the file's size says how much audio there is; True otherwise (and for files
    that are not RIFF WAV). Raises OSError when the file cannot be read."""
    with path.open("rb") as f:
        head = f.read(_SCAN_BYTES)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return True
    at = 12
    while at + 8 <= len(head):
        chunk, size = head[at : at + 4], int.from_bytes(head[at + 4 : at + 8], "little")
        if chunk == b"data":
            return 0 < size < _PIPE_SIZES
        at += 8 + size + (size & 1)
    return False
