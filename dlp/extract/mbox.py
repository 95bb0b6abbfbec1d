"""mbox mailboxes: messages split at "From " lines and read one at a time, each reported as
``message N`` inside the mailbox."""

from __future__ import annotations

from collections.abc import Iterator

from dlp.extract.context import Context, Item
from dlp.extract.sniff import Kind
from dlp.extract.source import Source, too_large
from dlp.model import Location, Unscannable, UnscannableReason

# Lines are read at most this long: a mailbox without line breaks (a damaged or hostile file)
# must not become one line the size of the file.
_MAX_LINE = 1024 * 1024


def extract(source: Source, location: Location, ctx: Context) -> Iterator[Item]:
    number = 0
    with source.open() as stream:
        lines: list[bytes] = []
        size = 0
        oversized = False
        previous_blank = True
        at_line_start = True
        for line in iter(lambda: stream.readline(_MAX_LINE), b""):
            starts_line, at_line_start = at_line_start, line.endswith(b"\n")
            separator = starts_line and line.startswith(b"From ")
            if separator and previous_blank and (lines or oversized):
                number += 1
                yield from _message(lines, size, oversized, number, location, ctx)
                lines, size, oversized = [], 0, False
            if starts_line:
                previous_blank = not line.strip()
            if separator and not lines and not oversized:
                continue  # the separator line itself is not part of the message
            size += len(line)
            if size > ctx.limits.max_message_bytes:
                oversized, lines = True, []
            elif not oversized:
                unquoted = starts_line and line.startswith(b">From ")
                lines.append(line[1:] if unquoted else line)
        if lines or oversized:
            number += 1
            yield from _message(lines, size, oversized, number, location, ctx)


def _message(
    lines: list[bytes], size: int, oversized: bool, number: int, location: Location, ctx: Context
) -> Iterator[Item]:
    where = location.child(f"message {number}")
    ctx.lap()
    if number > ctx.limits.max_members:
        if number == ctx.limits.max_members + 1:
            yield Unscannable(
                location,
                UnscannableReason.BOMB,
                f"more than {ctx.limits.max_members:,} messages; the rest were not read",
            )
        return
    if oversized:
        yield Unscannable(
            where, UnscannableReason.TOO_LARGE, too_large(size, ctx.limits.max_message_bytes).detail
        )
        return
    message = Source.from_bytes(b"".join(lines), f"message {number}.eml")
    yield from ctx.dispatch(message, where, ctx.nested(), Kind.MESSAGE)
