"""The MPD line protocol: tokens, command lists, errors; a fuzz test that nothing escapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moodplay._mpd_protocol import Ack, Conversation, Pairs, ProtocolError, tokenize


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
    raise ProtocolError(Ack.UNKNOWN, f'unknown command "{name}"')


def test_tokens() -> None:
    assert tokenize('find artist "Massive Attack"') == ["find", "artist", "Massive Attack"]
    assert tokenize(r'add "a \"quoted\" \\ path"') == ["add", 'a "quoted" \\ path']
    assert tokenize("  setvol\t50 ") == ["setvol", "50"]
    assert tokenize('sendmessage moodplay "mood calm"') == ["sendmessage", "moodplay", "mood calm"]
    with pytest.raises(ProtocolError, match="missing closing"):
        tokenize('find "unterminated')
    with pytest.raises(ProtocolError, match="space expected"):
        tokenize('find "a"b')


def test_single_commands_and_errors() -> None:
    c = Conversation(echo)
    assert c.handle(b"status") == "volume: 40\nstate: play\nOK\n"
    assert c.handle(b"setvol 200") == "ACK [2@0] {setvol} volume must be 0..100\n"
    assert c.handle(b"frobnicate") == 'ACK [5@0] {frobnicate} unknown command "frobnicate"\n'
    assert c.handle(b"") == "ACK [5@0] {} No command given\n"
    assert c.handle(b"boom") == "ACK [52@0] {boom} internal error: RuntimeError\n"
    assert c.handle(b"\xff\xfe") == "ACK [2@0] {} request is not UTF-8\n"
    long = c.handle(b"x" * 70_000)
    assert long is not None and long.startswith("ACK [2@0] {} line longer than")


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
    assert c.handle(b"command_list_end") == "ACK [1@0] {command_list_end} not in command list\n"
    c.handle(b"command_list_begin")
    assert c.handle(b"command_list_begin") == (
        "ACK [1@0] {command_list_begin} nested command list\n"
    )
    assert c.handle(b"ping") == "OK\n"  # the broken list was dropped


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_any_bytes_get_a_well_formed_answer(raw: bytes) -> None:
    c = Conversation(echo)
    for line in raw.split(b"\n"):
        answer = c.handle(line)
        if answer is not None:
            assert answer.endswith("OK\n") or (
                answer.startswith("ACK [") and answer.count("\n") >= 1
            )
