"""openSMILE as scripts/setup.sh installs it (``--no-deps``, issue 15): voice tone needs only the
package's ctypes binding, and computes the same 88 numbers as ``opensmile.Smile``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.conftest import REPO
from tests.voice.speech import SR, say

# opensmile 2.6.0's declared dependencies and what they pull in: none is installed at runtime.
DECLARED = ("pandas", "pyarrow", "audinterface", "audobject", "audeer", "audformat",
            "audiofile", "audmath", "audresample")  # fmt: skip
# Run before anything else in a fresh interpreter: importing any of them now fails, as it would
# in a runtime venv.
HIDE = f"import sys\nfor name in {DECLARED!r}:\n    sys.modules[name] = None\n"


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", HIDE + code, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_voice_features_need_none_of_opensmiles_declared_dependencies(tmp_path: Path) -> None:
    import opensmile  # the test venv has the full front end, as the reference

    clip = say("hey music play something calm", tmp_path)
    np.save(tmp_path / "clip.npy", clip)
    smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                            feature_level=opensmile.FeatureLevel.Functionals)  # fmt: skip
    frame = smile.process_signal(clip.astype(np.float32) / 32768.0, SR)
    theirs = np.nan_to_num(frame.to_numpy()[0])
    code = (
        "import numpy as np\n"
        "from mood._smile import VoiceFeatures\n"
        "features = VoiceFeatures()\n"
        "np.save(sys.argv[2], features.extract(np.load(sys.argv[1])))\n"
        "print(len(features.names), features.names[0], features.names[-1])\n"
    )
    result = _python(code, str(tmp_path / "clip.npy"), str(tmp_path / "ours.npy"))
    assert result.returncode == 0, result.stderr
    first, last = smile.feature_names[0], smile.feature_names[-1]
    assert result.stdout.split() == ["88", first, last]
    np.testing.assert_array_equal(np.load(tmp_path / "ours.npy"), theirs)
    assert np.count_nonzero(theirs) > 80  # real speech: the comparison compares something


def test_the_packages_own_front_end_is_what_needs_them() -> None:
    """Why ``--no-deps`` works: ``import opensmile`` imports pandas at once (core/smile.py), but
    moodplay never imports the package, only its binding (core/lib.py: numpy, ctypes)."""
    result = _python("import opensmile")
    assert result.returncode != 0
    assert "ModuleNotFoundError: import of" in result.stderr  # one of DECLARED, hidden above
