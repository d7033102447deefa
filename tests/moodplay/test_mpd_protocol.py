"""The MPD line protocol: tokens, command lists, errors; a fuzz test that nothing escapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moodplay.mpd._protocol import Ack, Conversation, Pairs, ProtocolError, tokenize


def echo(name: str, args: list[str]) -> Pairs:
    if name == "status":
        return [("volume", 40), ("state", "play")]
    if name == "setvol":
        if len(args) != 1 or not args[0].isdigit() or int(args[0]) > 100:
            raise ProtocolError(Ack.ARG, "volume must be 0..100")
        return []
    if name == "boom":
        raise RuntimeError("handler bug")
    if name in ("ping", "play", "next"):
        return [("arg", a) for a in args]
    raise ProtocolError(Ack.UNKNOWN, f'unknown command "{name}"', "")


def test_tokens() -> None:
    assert tokenize('find artist "Massive Attack"') == ["find", "artist", "Massive Attack"]
    assert tokenize(r'add "a \"quoted\" \\ path"') == ["add", 'a "quoted" \\ path']
    assert tokenize("  setvol\t50 ") == ["setvol", "50"]
    assert tokenize('sendmessage moodplay "mood calm"') == ["sendmessage", "moodplay", "mood calm"]
    with pytest.raises(ProtocolError, match="Missing closing"):
        tokenize('find "unterminated')
    with pytest.raises(ProtocolError, match="Space expected"):
        tokenize('find "a"b')


def test_single_commands_and_errors() -> None:
    """The lines and answers as MPD 0.23.12 gave them (probed with a raw socket)."""
    c = Conversation(echo)
    assert c.handle(b"status") == "volume: 40\nstate: play\nOK\n"
    assert c.handle(b"setvol 200") == "ACK [2@0] {setvol} volume must be 0..100\n"
    assert c.handle(b"frobnicate") == 'ACK [5@0] {} unknown command "frobnicate"\n'
    assert c.handle(b"boom") == "ACK [5@0] {boom} internal error\n"
    assert c.handle(b"ping \xff\xfe") == "arg: \ufffd\ufffd\nOK\n"  # bytes as text, as MPD
    assert c.handle(b"ping\r") == "OK\n"
    assert c.handle(b'find "a') == "ACK [5@0] {} Missing closing '\"'\n"
    assert c.handle(b'find "a"b') == "ACK [5@0] {} Space expected after closing '\"'\n"
    assert not c.closing


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        (b"", None),
        (b" ping", None),
        (b"PING", None),
        (b"ping " + b"x" * 8187, None),
        (b"pi-ng", "ACK [5@0] {} Invalid word character\n"),
    ],
)
def test_lines_mpd_closes_the_connection_over(line: bytes, answer: str | None) -> None:
    c = Conversation(echo)
    assert c.handle(line) == answer
    assert c.closing


def test_the_longest_line_mpd_reads() -> None:
    c = Conversation(echo)
    assert c.handle(b"ping " + b"x" * 8186) == "arg: " + "x" * 8186 + "\nOK\n"
    assert not c.closing


def test_a_handler_bug_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    Conversation(echo).handle(b"boom")
    assert "RuntimeError: handler bug" in caplog.text


def test_command_lists_as_mpc_sends_them() -> None:
    c = Conversation(echo)
    assert c.handle(b"command_list_begin") is None
    assert c.handle(b"status") is None
    assert c.handle(b"ping") is None
    assert c.handle(b"command_list_end") == "volume: 40\nstate: play\nOK\n"
    for line in (b"command_list_ok_begin", b"status", b"ping x"):
        assert c.handle(line) is None
    assert (
        c.handle(b"command_list_end") == "volume: 40\nstate: play\nlist_OK\narg: x\nlist_OK\nOK\n"
    )


def test_a_failing_command_stops_the_list_with_its_index() -> None:
    c = Conversation(echo)
    for line in (b"command_list_ok_begin", b"ping", b"setvol 999", b"play"):
        assert c.handle(line) is None
    assert c.handle(b"command_list_end") == "list_OK\nACK [2@1] {setvol} volume must be 0..100\n"
    assert c.handle(b"command_list_end") == ('ACK [5@0] {} unknown command "command_list_end"\n')


def test_lines_in_a_list_run_at_its_end_as_mpd() -> None:
    """A nested begin or a malformed line is only an error when the list runs (MPD keeps the
    lines as they came)."""
    c = Conversation(echo)
    for line in (b"command_list_ok_begin", b"ping", b"command_list_begin", b"ping"):
        assert c.handle(line) is None
    assert c.handle(b"command_list_end") == (
        'list_OK\nACK [5@1] {} unknown command "command_list_begin"\n'
    )
    for line in (b"command_list_begin", b'find "a', b"ping"):
        assert c.handle(line) is None
    assert c.handle(b"command_list_end") == "ACK [5@0] {} Missing closing '\"'\n"
    assert c.handle(b"ping") == "OK\n"


def test_an_empty_line_in_a_list_closes_as_mpd() -> None:
    c = Conversation(echo)
    for line in (b"command_list_begin", b""):
        assert c.handle(line) is None
    assert c.handle(b"command_list_end") is None
    assert c.closing


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_any_bytes_get_a_well_formed_answer(raw: bytes) -> None:
    c = Conversation(echo)
    for line in raw.split(b"\n"):
        if c.closing:
            break
        answer = c.handle(line)
        if answer is not None:
            assert answer.endswith("OK\n") or (
                answer.startswith("ACK [") and answer.count("\n") >= 1
            )
