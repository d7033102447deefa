#!/usr/bin/env bash
# Set up moodplay on Debian / Raspberry Pi OS: Debian packages, a virtualenv, the project.
#   scripts/setup.sh run    what the player needs
#   scripts/setup.sh test   plus what the test suite needs (ffmpeg, linters, vibenet's own deps,
#                           the map and train extras: matplotlib, onnx)
# As root it installs missing Debian packages itself; otherwise it prints the apt-get line.
set -euo pipefail
mode="${1:-run}"
cd "$(dirname "$0")/.."

apt_run=(python3 python3-venv python3-pip singularity-music libportaudio2 espeak-ng libspeexdsp1
         libvlc5 libvlc-bin vlc-plugin-base pulseaudio-utils)
# Tests: the real MPD is the protocol's reference; ffmpeg makes format copies;
# flite/espeak-ng/festival speak commands; pocketsphinx-testdata is real read speech; a
# private PulseAudio server stands in for the sound card; headless chromium (with its
# WebDriver) loads the web page; ncmpcpp runs in tmux as a real MPD client; a private PipeWire
# (with WirePlumber and pipewire-pulse, under its own D-Bus session bus) is the mixer's second
# sound server.
apt_test=(ffmpeg util-linux flite espeak-ng sox pocketsphinx-testdata pulseaudio
          pulseaudio-utils procps mpc chromium chromium-driver festival festvox-kdlpc16k
          mpd ncmpcpp tmux pipewire pipewire-pulse wireplumber dbus)
packages=("${apt_run[@]}")
[ "$mode" = test ] && packages+=("${apt_test[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "moodplay needs these Debian packages; install them, then run this again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
fi

python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "moodplay needs Python >= 3.11 (found $("$python" --version))" >&2; exit 1; }

venv=.venv
extras=""
[ "$mode" = test ] && extras="[test]"
stamp="$venv/.installed-$mode"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e ".$extras"
# vibenet ships the track-mood model (GPL-3.0-or-later). Its declared dependencies (librosa,
# numba, ...) are not needed: moodplay reproduces its preprocessing. --no-deps keeps them out.
"$venv/bin/python" -m pip install -q --no-deps "vibenet==0.1.0"
# silero-vad ships the VAD's ONNX file (MIT); it declares torch, which moodplay does not use.
"$venv/bin/python" -m pip install -q --no-deps "silero-vad==6.2.3"
# opensmile ships libSMILEapi and the eGeMAPS configs (voice tone; audEERING's research licence).
# mood/_smile.py loads only its ctypes binding (numpy), so its declared dependencies (pandas,
# pyarrow, audinterface: ~260 MB) stay out. `test` mode already has them: the [test] extra
# installs opensmile with its dependencies for the parity test, and this line changes nothing.
"$venv/bin/python" -m pip install -q --no-deps "opensmile==2.6.0"
# axe-core (MPL-2.0) checks the web page's accessibility in the browser tests, injected into the
# page; fetched here once from the npm registry, pinned and checked, never at test time. Without
# it (no registry here) that test is skipped and says why.
if [ "$mode" = test ]; then
  axe_version=4.14.1
  axe_sha256=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
  axe_dir="$venv/share/axe-core"
  if [ ! -f "$axe_dir/axe.min.js" ]; then
    axe_tmp="$(mktemp -d)"
    if curl -sSf --max-time 60 -o "$axe_tmp/axe.tgz" \
         "https://registry.npmjs.org/axe-core/-/axe-core-$axe_version.tgz" \
       && echo "$axe_sha256  $axe_tmp/axe.tgz" | sha256sum -c --quiet -; then
      mkdir -p "$axe_dir"
      tar -xzf "$axe_tmp/axe.tgz" -C "$axe_tmp" package/axe.min.js
      mv "$axe_tmp/package/axe.min.js" "$axe_dir/axe.min.js"
    else
      echo "axe-core $axe_version could not be fetched or did not match its SHA-256:" \
           "the page's accessibility test will be skipped" >&2
    fi
    rm -rf "$axe_tmp"
  fi
fi
echo "$want" > "$stamp"
