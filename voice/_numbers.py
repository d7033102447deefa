"""Numbers as English words and back: "150" <-> "one hundred fifty", any size.

The phrase table spells slot numbers this way, typed digits are read this way, and a number the
table cannot hold (a volume of 150) is recognised as a number, so it is refused, never matched
to the nearest phrase ("volume one hundred" would set 100 % silently).
"""

from __future__ import annotations

import re

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand")]
_SMALL = {w: i for i, w in enumerate(_ONES)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_SCALE_OF = {name: size for size, name in _SCALES}
NUMBER_WORDS = frozenset(_SMALL) | {"hundred"} | frozenset(_SCALE_OF)
"""Every word :func:`english_number` writes."""
_DIGITS = re.compile(r"(?<!\d)\d{1,15}(?!\d)")
"""Longer digit runs stay digits: a number no one says, and no wall of words to match."""


def english_number(n: int) -> str:
    """``n`` in American English words without "and": 150 -> "one hundred fifty", 2024 ->
    "two thousand twenty four"; any size (above a trillion the trillions are spelled the same
    way); a negative number starts with "minus"."""
    if n < 0:
        return "minus " + english_number(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens - 2] + (f" {_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {english_number(rest)}" if rest else "")
    for size, name in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            return f"{english_number(high)} {name}" + (f" {english_number(rest)}" if rest else "")
    raise AssertionError(n)  # unreachable: n >= 1000 meets the thousand scale


def spell_digits(text: str) -> str:
    """``text`` with every run of up to 15 digits written as words ("route 666" -> "route six
    hundred sixty six"), as a recogniser hears it and as the phrase table spells names."""
    return _DIGITS.sub(lambda m: english_number(int(m.group())), text)


def word_number(words: list[str]) -> int | None:
    """The number these words spell as :func:`english_number` writes it (an "and" between
    hundreds and tens allowed, "a hundred" too) below 10**15, else None: ["one", "two"] is
    not a number."""
    try:
        return _read(words)
    except ValueError:
        return None


def _read(words: list[str]) -> int:
    if not words or "and" in (words[0], words[-1]):
        raise ValueError("a number neither starts nor ends with 'and'")
    total, group, last, scale = 0, 0, "", 10**100
    for i, word in enumerate(words):
        if word == "a" and i == 0 and words[1:2] == ["hundred"]:
            pass
        elif word == "and":
            _check(last == "hundred" or last in _SCALE_OF)
        elif word in _SMALL:
            # "one two", "twenty thirty", "five twenty": two numbers
            _check(last not in _SMALL or (last not in _ONES and _SMALL[word] < 10))
            group += _SMALL[word]
        elif word == "hundred":
            _check(group < 10 and (group > 0 or words[0] == "a"))
            group = (group or 1) * 100
        else:
            size = _SCALE_OF.get(word, 0)  # 0: no number word
            _check(0 < size < scale and group > 0)  # "thousand" alone, "one thousand two thousand"
            total, group, scale = total + group * size, 0, size
        last = word
    return total + group


def _check(ok: bool) -> None:
    if not ok:
        raise ValueError("not one number")


def number_runs(words: list[str]) -> list[tuple[int, int, int | str]]:
    """(start, end, value) of each number in ``words``, left to right: the longest run of
    number words (or a digit token) spelling one number, "minus" before it making it negative:
    "volume one hundred fifty" -> [(1, 4, 150)]. What is no whole number comes as text, so a
    slot refuses it: "fifty point five" -> "50.5", two numbers in a row ("one zero", as
    "1,000" reads) -> "one zero"; a digit token over 15 digits stays as it is."""
    runs = _merged(_single_runs(words), words)
    for k, (start, end, value) in enumerate(runs):
        if start > 0 and words[start - 1] == "minus" and isinstance(value, int):
            runs[k] = (start - 1, end, -value)
    return runs


def _single_runs(words: list[str]) -> list[tuple[int, int, int | str]]:
    runs: list[tuple[int, int, int | str]] = []
    i = 0
    while i < len(words):
        if words[i].isdecimal():  # int() reads every Unicode decimal digit; "²" is no digit
            runs.append((i, i + 1, int(words[i]) if len(words[i]) <= 15 else words[i]))
            i += 1
            continue
        end = i
        while end < len(words) and (words[end] in NUMBER_WORDS or words[end] in ("and", "a")):
            end += 1
        found = next(((j, v) for j in range(end, i, -1)
                      if (v := word_number(words[i:j])) is not None), None)  # fmt: skip
        if found is None:
            i += 1
            continue
        runs.append((i, found[0], found[1]))
        i = found[0]
    return runs


def _merged(runs: list[tuple[int, int, int | str]],
            words: list[str]) -> list[tuple[int, int, int | str]]:  # fmt: skip
    """Numbers side by side, or joined by "point", are one number that is not whole."""
    out: list[tuple[int, int, int | str]] = []
    for start, end, value in runs:
        if out and out[-1][1] == start:
            first = out.pop()
            out.append((first[0], end, " ".join(words[first[0] : end])))
        elif out and out[-1][1] + 1 == start and words[start - 1] == "point":
            first = out.pop()
            out.append((first[0], end, f"{first[2]}.{value}"))
        else:
            out.append((start, end, value))
    return out


_SIGN = re.compile(r"(?<![\w-])[-\u2212]\s*(?=\d|(?:" + "|".join(sorted(NUMBER_WORDS)) + r")\b)")
_POINT = re.compile(r"\b(\d+|" + "|".join(sorted(NUMBER_WORDS)) + r")\.(?=\d|(?:"
                    + "|".join(sorted(NUMBER_WORDS)) + r")\b)")  # fmt: skip


def read_signs(text: str) -> str:
    """A minus sign and a decimal point kept as words before punctuation is dropped:
    "-5" -> "minus 5", "50.5" -> "50 point 5" (as "fifty.five" -> "fifty point five")."""
    return _POINT.sub(r"\1 point ", _SIGN.sub("minus ", text))
