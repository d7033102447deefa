"""bench/daemon.py's figures as text, each next to the issue's goal (met / not met)."""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np

from bench.speaker import SILENT_DB

RSS_GOAL_MB, RSS_STRETCH_MB = 350.0, 250.0
STARTUP_GOAL_S = 2.0
COMMAND_GOAL_MS = 1000.0
GAP_GOAL_MS = 100.0
FLAT_MB = 5.0


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _row(what: str, figure: str, goal: str = "", verdict: str = "") -> str:
    return f"  {what:<52} {figure:<40} {goal:<24} {verdict}".rstrip()


def _pcts(values: list[float], unit: str = "ms") -> str:
    if not values:
        return "none measured"
    p50, p95 = np.percentile(values, 50), np.percentile(values, 95)
    return f"p50 {p50:.0f} {unit}, p95 {p95:.0f} {unit} (n={len(values)})"


def _mem(m: Any) -> str:
    pss = f", PSS {m.pss_mb:.0f} MB" if m.pss_mb is not None else ""
    return f"RSS {m.rss_mb:.0f} MB{pss}"


def _db(value: float) -> str:
    return "digital zero" if value < -200 else f"{value:.0f} dBFS"


def machine(r: dict[str, Any]) -> list[str]:
    before, after = r["machine_before"], r["machine_after"]
    return [
        f"Machine: {before['cpu']}, {before['cores']} cores SHARED with other agents' test runs "
        f"(load average {before['load_avg'][0]} at the start, {after['load_avg'][0]} at the end);",
        "PulseAudio null sinks (speaker, microphone feed), libVLC --aout=pulse; demo library: "
        "16 singularity-music tracks scanned whole.",
    ]


def startup(r: dict[str, Any]) -> list[str]:
    runs = r["startup_s"]
    median = statistics.median(runs)
    each = ", ".join(f"{x:.2f}" for x in runs)
    return [
        _row("start-up to ready (MPD ping + /health ok), median",
             f"{median:.2f} s (runs: {each})", f"<= {STARTUP_GOAL_S:.0f} s",
             _met(median <= STARTUP_GOAL_S)),
        _row("  same, Korean Vosk model (one start)", f"{r['korean_startup_s']:.2f} s"),
    ]  # fmt: skip


def memory(r: dict[str, Any]) -> list[str]:
    mem, ko = r["memory"], r["korean"]["memory"]
    worst = max(m.rss_mb for m in mem.values())
    verdict = f"{_met(worst <= RSS_GOAL_MB)}; stretch {_met(worst <= RSS_STRETCH_MB)}"
    goal = f"<= {RSS_GOAL_MB:.0f} MB ({RSS_STRETCH_MB:.0f})"
    procs = mem["playing"].processes
    return [
        f"  ({r['voice']}; tree = {procs} process{'es' if procs > 1 else ''})",
        _row("whole tree, PocketSphinx + openSMILE, stopped", _mem(mem["stopped"]), goal, verdict),
        _row("whole tree, PocketSphinx + openSMILE, playing", _mem(mem["playing"]), goal, verdict),
        f"  ({r['korean']['voice']}; a Korean command understood: "
        f"{'yes' if r['korean']['command_understood'] else 'NO'})",
        _row("whole tree, Korean Vosk + openSMILE, stopped", _mem(ko["stopped"])),
        _row("whole tree, Korean Vosk + openSMILE, playing", _mem(ko["playing"])),
    ]


def cpu(r: dict[str, Any]) -> list[str]:
    return [_row(f"CPU playing + listening, {k}", f"{v:.1f} % of one core")
            for k, v in r["cpu_pct"].items()]  # fmt: skip


def gap(r: dict[str, Any]) -> list[str]:
    gaps = [g["gap_ms"] for g in r["gaps"]]
    own = [g["files_ms"] for g in r["gaps"]]
    p95 = float(np.percentile(gaps, 95))
    return [
        _row("gap between tracks (heard minus the files' own)",
             _pcts(gaps) + f", max {max(gaps):.0f} ms", f"<= {GAP_GOAL_MS:.0f} ms",
             _met(p95 <= GAP_GOAL_MS)),
        _row("  reference: the player alone (bench/gap.py, tones)", _pcts(r["player_gaps_ms"])
             + f", max {max(r['player_gaps_ms']):.0f} ms"),
        f"    (silence already in the files at those edges: max {max(own):.0f} ms; the daemon's "
        f"p50 is {statistics.median(gaps) / statistics.median(r['player_gaps_ms']):.2f}x the "
        "player's)",
    ]  # fmt: skip


def commands(r: dict[str, Any]) -> list[str]:
    c = r["commands"]
    pause, play = c["latencies_ms"]["pause"], c["latencies_ms"]["play"]
    worst = max(float(np.percentile(v, 95)) for v in (pause, play) if v) if pause or play else 1e9
    offsets = ", ".join(f"{o:+.0f}" for o in c["clock_offsets_ms"])
    misses = "; ".join(c["misses"]) or "none"
    return [
        _row('"hey mycroft, pause playback" -> speaker silent', _pcts(pause), "p95 <= 1.0 s",
             _met(worst <= COMMAND_GOAL_MS)),
        _row('"hey mycroft, play music" -> music heard', _pcts(play), "p95 <= 1.0 s",
             _met(worst <= COMMAND_GOAL_MS)),
        f"    (from the end of the speech to the first 20 ms window below {SILENT_DB:.0f} dBFS "
        f"(that stays so for 0.3 s) / above it; the quietest music heard was "
        f"{c['music_min_db']:.0f} dBFS, the loudest paused window {_db(c['paused_max_db'])}; "
        f"clock offset measured by clicks {offsets} ms; commands not acted on: {misses})",
    ]  # fmt: skip


def load(r: dict[str, Any]) -> list[str]:
    x = r["load"]
    rss = x["rss_mb"]
    errors = sum(x["errors"].values())
    growth = rss["end"] - rss["middle"]
    lat = x["latency_ms"]
    detail = "; ".join(f"{k} x{v}" for k, v in x["errors"].items())
    return [
        _row(f"{x['clients']} MPD clients for {x['seconds']:.0f} s: errors",
             f"{errors} of {x['commands'] + errors}", "0", _met(errors == 0)),
        _row("  commands per second; latency", f"{x['per_s']}/s; p50 {lat.get('p50', 0):.1f} ms, "
             f"p95 {lat.get('p95', 0):.1f} ms"),
        _row("  tree RSS start / middle / end (max)",
             f"{rss['start']:.0f} / {rss['middle']:.0f} / {rss['end']:.0f} ({rss['max']:.0f}) MB",
             f"flat: end - middle <= {FLAT_MB:.0f} MB", _met(growth <= FLAT_MB)),
    ] + ([f"    errors: {detail}"] if detail else [])  # fmt: skip


def engines(r: dict[str, Any]) -> list[str]:
    order, alone = r["engines"]["in_daemon_order"], r["engines"]["alone"]
    total = sum(e["rss_mb"] for e in order)
    lines = [f"RSS added step by step in the daemon's start-up order, one fresh interpreter "
             f"(total {total:.0f} MB):"]  # fmt: skip
    lines += [f"  {e['rss_mb']:7.1f} MB  {e['seconds']:6.2f} s  {e['what']}" for e in order]
    lines.append("RSS each adds alone to a bare interpreter (its dependencies included):")
    lines += [f"  {e['rss_mb']:7.1f} MB  {e['seconds']:6.2f} s  {e['what']}"
              for e in sorted(alone, key=lambda e: -e["rss_mb"])]  # fmt: skip
    lines.append("The playing daemon's largest RSS by mapping (/proc/PID/smaps):")
    lines += [f"  {mb:7.1f} MB  {name}" for name, mb in r["top_mappings"]]
    lines.append("Installed packages with native code mapped by the daemon: "
                 + ", ".join(r["native_packages"]))  # fmt: skip
    return lines


def report(r: dict[str, Any]) -> str:
    lines = [*machine(r), "", _row("", "figure", "goal", "")]
    for section in (startup, memory, cpu, gap, commands, load):
        lines += section(r)
    lines += ["", *engines(r)]
    if r["problems"]:
        lines += ["", "Unexpected lines on the daemons' stderr:"]
        lines += [f"  {p}" for p in dict.fromkeys(r["problems"])]
    return "\n".join(lines)
