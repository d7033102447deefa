"""``moodplay doctor``'s "voice names" check: library names the speech engine cannot say.

PocketSphinx listens only for words it can pronounce: its dictionary (CMUdict), the phrase
table's and the config's ``[voice.pronunciations]``, then espeak-ng's guess (voice._g2p). A
name with any other word is left out of the grammar, so "play something by NAME" cannot work.
Nothing here writes: the library is only read, through the Store, as the library check does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from library import Store, StoreError, library_names
from moodplay._config import Config, user_config_path
from moodplay._listen_cli import voice_settings
from voice import EngineError, Pronouncer, choose_engine, load_phrase_table, normalise

SHOWN = 10
"""How many unsayable names the check lists before "and N more"."""


def voice_names(config: Config, db: Path, config_file: Path | None) -> tuple[str, str | None]:
    """(detail, fix) of the check; fix is None when there is nothing to fix.

    ``config_file`` (None: the user's) is named in the fix: where ``[voice.pronunciations]`` go.
    """
    config_file = config_file or user_config_path()
    settings = voice_settings(config)
    try:
        engine = choose_engine(settings)
    except EngineError:
        return "not checked: there is no speech engine (see vosk model)", None
    if engine != "pocketsphinx":
        return f"not needed: {engine} does not use a pronouncing dictionary", None
    names = _library_names(db)
    if names is None:
        return "not checked: no readable library yet (see library)", None
    overrides = {**load_phrase_table(settings.language).pronunciations,
                 **config.voice.pronunciations}  # fmt: skip
    try:
        known = _dictionary()
    except (ImportError, OSError):
        return "not checked: no PocketSphinx dictionary (see pocketsphinx model)", None
    try:
        pronouncer = Pronouncer(known.__contains__, overrides)
    except ValueError as e:
        return str(e), f"correct it under [voice.pronunciations] in {config_file}"
    return _report(pronouncer, names, config_file)


def _library_names(db: Path) -> list[str] | None:
    """Every artist, album and title as the grammar holds it (normalised), once each."""
    if not db.is_file():
        return None
    try:
        with Store(db) as store:
            found = library_names(store)
    except StoreError:
        return None
    return sorted({normalise(n) for names in found.values() for n in names} - {""})


def _dictionary() -> frozenset[str]:
    from voice import dictionary_words
    from voice._sphinx import model_files  # imports PocketSphinx: only once it is needed

    return dictionary_words(model_files()[1])


def _report(pronouncer: Pronouncer, names: list[str], config_file: Path) -> tuple[str, str | None]:
    bad = pronouncer.unsayable(names)
    if not bad:
        return f"PocketSphinx can say all {len(names)} artist, album and title names", None
    missing = _missing_words(pronouncer, bad)
    shown = ", ".join(f"{n!r}" + (f" ({missing[n]})" if missing[n] != n else "")
                      for n in bad[:SHOWN])  # fmt: skip
    more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
    detail = f"{len(bad)} of {len(names)} library names cannot be said: {shown}{more}"
    fix = (
        f"add a pronunciation under [voice.pronunciations] in {config_file} "
        '(word = "ARPAbet phones", e.g. maxstack = "M AE K S T AE K")'
    )
    if shutil.which("espeak-ng") is None:
        fix = "apt-get install espeak-ng (it guesses pronunciations), or " + fix
    return detail, fix


def _missing_words(pronouncer: Pronouncer, names: list[str]) -> dict[str, str]:
    """Per name, its words that have no pronunciation: what the user must add."""
    return {n: " ".join(w for w in n.split() if pronouncer.unsayable([w])) for n in names}


def wake_word(config: Config) -> tuple[str, str | None]:
    """(detail, fix or None) of the "wake word" check: the trained model loads, or a custom
    phrase is in use (spotted by PocketSphinx, with more false wakes), or none is needed."""
    from voice import EngineError, MicroWakeWord, trained_model

    phrase = config.voice.wake_phrase.strip()
    if not phrase:
        return 'none: every command heard is acted on ([voice] wake_phrase = "")', None
    model = trained_model(phrase)
    if model is None:
        return (f"{phrase!r} is a custom phrase, spotted by PocketSphinx in the decoded words "
                "(more false wakes than a trained model)", None)  # fmt: skip
    try:
        detector = MicroWakeWord(model)
    except EngineError as e:
        return f"{phrase!r}: {e}", "pip install pymicro-wakeword (scripts/setup.sh does)"
    return f"{phrase!r}: microWakeWord model {model} (cut-off {detector.threshold:.2f})", None
