"""Benchmark: moodplay's track analysis against vibenet's own whole-track pipeline.

Both run side by side in this one run, each in a fresh process pinned to one CPU core, with
ONNX Runtime held to one thread, on the same files (default: Debian's singularity-music).
Prints seconds per track, real-time factor per core (decoding included), peak RSS of each
process, the speed and memory ratios, and how closely our excerpt summary agrees with vibenet's
whole-track values (mean and max absolute difference, Spearman rank correlation per attribute).

    .venv/bin/python bench/scan.py [FOLDER] [--json OUT.json] [--moodplay-only]

FOLDER is searched recursively for the extensions in EXTENSIONS (Ogg Vorbis and Opus, MP3,
FLAC, M4A/AAC, WAV), leaving out hidden files and folders as the scan does. Short tracks:
Debian's hyperrogue-music (/usr/share/hyperrogue/music, 17 tracks of 82 s on average).

``--moodplay-only`` runs moodplay's worker alone and lets files fail (their failures are
counted, not compared): for folders vibenet cannot read, such as the odd-file corpus
(``python -c "from tests.library import oddfiles; oddfiles.build(Path('odd'))"``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CORPUS = Path("/usr/share/games/singularity/music")
ATTRS = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness",
         "speechiness")  # fmt: skip
EXTENSIONS = ("ogg", "oga", "opus", "mp3", "flac", "m4a", "aac", "wav")


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def _duration_s(path: Path) -> float:
    import soundfile as sf

    try:
        info = sf.info(str(path))
        return float(info.frames / info.samplerate)
    except (sf.LibsndfileError, RuntimeError):  # M4A/AAC: FFmpeg's stated duration
        import av

        with av.open(str(path)) as container:
            return float(container.duration or 0) / 1e6


def worker_ours(files: list[Path], failures_allowed: bool = False) -> dict[str, Any]:
    from library import Analysed, Analyser, AnalysisSettings, FileStat

    t0 = time.perf_counter()
    analyser = Analyser(AnalysisSettings(threads=1))
    load_s = time.perf_counter() - t0
    out = {}
    for path in files:
        st = path.stat()
        t = time.perf_counter()
        result = analyser.analyse(FileStat(str(path), st.st_size, st.st_mtime_ns))
        seconds = time.perf_counter() - t
        if not isinstance(result, Analysed):
            assert failures_allowed, result
            out[str(path)] = {"seconds": seconds, "failed": f"{result.stage}: {result.reason}"}
            continue
        out[str(path)] = {"seconds": seconds, "audio_s": result.duration_s,
                          **{a: getattr(result.mood, a) for a in ATTRS}}  # fmt: skip
    return {"load_s": load_s, "tracks": out}


def worker_vibenet(files: list[Path]) -> dict[str, Any]:
    import onnxruntime as ort
    import vibenet

    from models import VIBENET_EFFICIENTNET

    t0 = time.perf_counter()
    model = vibenet.load_model()
    # vibenet builds its session without its own SessionOptions; hold it to one thread here.
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    model.ort_sess = ort.InferenceSession(
        str(VIBENET_EFFICIENTNET.path()), options, providers=["CPUExecutionProvider"]
    )
    load_s = time.perf_counter() - t0
    out = {}
    for path in files:
        t = time.perf_counter()
        result = model.predict(str(path))[0].to_dict()
        seconds = time.perf_counter() - t
        out[str(path)] = {"seconds": seconds, **{a: result[a] for a in ATTRS}}
    return {"load_s": load_s, "tracks": out}


def run_worker(kind: str, files: list[Path]) -> dict[str, Any]:
    """``kind``: "ours", "ours-lenient" (files may fail) or "vibenet"."""
    cmd = [sys.executable, __file__, "--worker", kind, "--files", *map(str, files)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def spearman(a: list[float], b: list[float]) -> float:
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def compare(ours: dict[str, Any], ref: dict[str, Any], files: list[Path]) -> dict[str, Any]:
    keys = [str(f) for f in files]
    audio_s = sum(_duration_s(f) for f in files)
    report: dict[str, Any] = {"tracks": len(files), "audio_s": round(audio_s, 1)}
    for name, res in (("moodplay", ours), ("vibenet", ref)):
        total = sum(res["tracks"][k]["seconds"] for k in keys)
        report[name] = {
            "s_per_track": round(total / len(keys), 3),
            "realtime_factor_per_core": round(audio_s / total, 1),
            "peak_rss_mb": round(res["peak_rss_mb"], 1),
            "model_load_s": round(res["load_s"], 2),
        }
    report["speed_ratio"] = round(
        report["vibenet"]["s_per_track"] / report["moodplay"]["s_per_track"], 2
    )
    report["memory_ratio"] = round(
        report["vibenet"]["peak_rss_mb"] / report["moodplay"]["peak_rss_mb"], 2
    )
    agreement = {}
    for a in ATTRS:
        x = [ours["tracks"][k][a] for k in keys]
        y = [ref["tracks"][k][a] for k in keys]
        diff = np.abs(np.subtract(x, y))
        agreement[a] = {
            "mean_abs_diff": round(float(diff.mean()), 4),
            "max_abs_diff": round(float(diff.max()), 4),
            "spearman": round(spearman(x, y), 3),
        }
    report["agreement"] = agreement
    return report


def moodplay_only(ours: dict[str, Any], files: list[Path]) -> dict[str, Any]:
    """Throughput and peak RSS of moodplay's worker alone; failed files count in the time."""
    results = [ours["tracks"][str(f)] for f in files]
    analysed = [r for r in results if "failed" not in r]
    total = sum(r["seconds"] for r in results)
    audio_s = sum(r["audio_s"] for r in analysed)
    return {
        "files": len(files), "analysed": len(analysed), "failed": len(files) - len(analysed),
        "audio_s": round(audio_s, 1), "mb": round(sum(f.stat().st_size for f in files) / 1e6, 1),
        "s_per_file": round(total / len(files), 3),
        "realtime_factor_per_core": round(audio_s / total, 1),
        "mb_per_s": round(sum(f.stat().st_size for f in files) / 1e6 / total, 1),
        "peak_rss_mb": round(ours["peak_rss_mb"], 1), "model_load_s": round(ours["load_s"], 2),
        "slowest": sorted(((round(r["seconds"], 3), Path(k).name) for k, r in
                           ours["tracks"].items()), reverse=True)[:3],
        "failures": {Path(k).name: r["failed"] for k, r in ours["tracks"].items() if "failed" in r},
    }  # fmt: skip


def print_report(r: dict[str, Any]) -> None:
    print(f"{r['tracks']} tracks, {r['audio_s'] / 60:.1f} min of audio; one core, one thread each")
    print(f"{'':<10}{'s/track':>9}{'x realtime/core':>17}{'peak RSS MB':>13}{'model load s':>14}")
    for name in ("moodplay", "vibenet"):
        m = r[name]
        print(f"{name:<10}{m['s_per_track']:>9.3f}{m['realtime_factor_per_core']:>17.1f}"
              f"{m['peak_rss_mb']:>13.1f}{m['model_load_s']:>14.2f}")  # fmt: skip
    print(f"speed ratio (vibenet / moodplay time): {r['speed_ratio']:.2f}x   "
          f"memory ratio (vibenet / moodplay peak RSS): {r['memory_ratio']:.2f}x")  # fmt: skip
    print(f"{'attribute':<18}{'mean |diff|':>12}{'max |diff|':>12}{'Spearman':>10}")
    for a, g in r["agreement"].items():
        print(f"{a:<18}{g['mean_abs_diff']:>12.4f}{g['max_abs_diff']:>12.4f}{g['spearman']:>10.3f}")


def find_audio(folder: Path) -> list[Path]:
    """Audio files under ``folder`` by extension (any case), skipping hidden files and folders
    (macOS ``._`` files, ``.AppleDouble/``, ``.Trash-1000/``) as the scan does by default."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix[1:].lower() in EXTENSIONS
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--moodplay-only",
        action="store_true",
        help="moodplay's worker alone; files may fail (e.g. the odd corpus)",
    )
    parser.add_argument("--worker", choices=("ours", "ours-lenient", "vibenet"),
                        help=argparse.SUPPRESS)  # fmt: skip
    parser.add_argument("--files", nargs="*", type=Path, default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _pin_one_core()
        if args.worker == "vibenet":
            result = worker_vibenet(args.files)
        else:
            result = worker_ours(args.files, failures_allowed=args.worker == "ours-lenient")
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    files = find_audio(args.folder)
    if not files:
        sys.exit(f"no {'/'.join(EXTENSIONS)} files under {args.folder}")
    if args.moodplay_only:
        report = moodplay_only(run_worker("ours-lenient", files), files)
        print(json.dumps(report, indent=2))
    else:
        report = compare(run_worker("ours", files), run_worker("vibenet", files), files)
        print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
