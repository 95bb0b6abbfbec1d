"""Which recipients a retried message already reached: exact, bounded, expiring."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smtp_gateway.accepted import AcceptedCopies

addresses = st.frozensets(st.sampled_from(["a@x.org", "b@x.org", "c@y.org"]), max_size=3)
messages = st.binary(max_size=40)
senders = st.sampled_from(["t@cusd.com", "u@cusd.com", ""])


@settings(max_examples=300, deadline=None)
@given(
    remembered=st.lists(st.tuples(senders, messages, addresses), max_size=6),
    asked=st.tuples(senders, messages),
)
def test_a_message_is_known_only_as_exactly_the_same_bytes_and_sender(remembered, asked):
    copies = AcceptedCopies()
    expected: dict[tuple[str, bytes], frozenset[str]] = {}
    for sender, raw, kept in remembered:
        copies.remember(sender, raw, kept)  # added to what is known of that message
        expected[sender, raw] = expected.get((sender, raw), frozenset()) | kept
    assert copies.already(*asked) == expected.get(asked, frozenset())
    copies.forget(*asked, ["a@x.org"])  # done for one recipient: the others stay known
    assert copies.already(*asked) == expected.get(asked, frozenset()) - {"a@x.org"}
    copies.forget(*asked, ["a@x.org", "b@x.org", "c@y.org"])
    assert copies.already(*asked) == frozenset()
    assert len(copies) == sum(1 for key, kept in expected.items() if kept and key != asked)


def test_same_size_messages_are_told_apart():
    copies = AcceptedCopies()
    copies.remember("t@cusd.com", b"Subject: one\r\n\r\nx", ["a@x.org"])
    assert copies.already("t@cusd.com", b"Subject: two\r\n\r\nx") == frozenset()
    assert copies.already("t@cusd.com", b"Subject: one\r\n\r\nx") == {"a@x.org"}


def test_entries_expire_and_the_oldest_go_first():
    now = [0.0]
    copies = AcceptedCopies(keep_seconds=100, max_messages=2, clock=lambda: now[0])
    copies.remember("t", b"1", ["a@x.org"])
    now[0] = 50
    copies.remember("t", b"2", ["a@x.org"])
    now[0] = 60
    copies.remember("t", b"3", ["a@x.org"])  # over the bound: "1" goes
    assert copies.already("t", b"1") == frozenset()
    assert copies.already("t", b"2") == {"a@x.org"}
    now[0] = 151  # "2" was kept until 150
    assert copies.already("t", b"2") == frozenset()
    assert copies.already("t", b"3") == {"a@x.org"}
    assert len(copies) == 1
