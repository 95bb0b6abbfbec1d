"""What the prefilter can know of a pattern beyond Hyperscan's relaxed view of it.

Hyperscan has no lookbehind; in prefilter mode it drops the assertion, so a pattern such as
``(?:(?<=[A-Za-z])|(?<=[A-Za-z]\\.))\\d{6,10}`` (an ID glued to its label) was reported at the
end of every run of six digits or more, and its regex then ran in a window there for nothing.
``consumed_lookbehind`` turns a leading lookbehind into characters the expression consumes:
the match now starts a character or two earlier, but it ends where it did, and ends are all the
prefilter reports, so every real match is still reported (with fewer false ones).

``shortened_start`` drops what only decides where a match starts when a pattern opens with a
wide bounded repetition of one class (an e-mail address's local part, ``[a-z.+-]{1,64}@``):
counting up to 64 characters at every word cost a fifth of Hyperscan's time (27 -> 22 ms for
4 MB of school mail).
Its tail (``[a-z.+-]@...``) ends wherever the pattern does.

``hyperscan_form`` picks what Hyperscan is given for a pattern, and its slack: how many characters
past a real match's end the end Hyperscan reports for it may lie (0 or 1; ``Prefilter.ends``
moves such ends back by it, and a window reaches that much further). Two forms report an end a
character late, having consumed what the pattern's closing lookahead only looks at; with them a
4 MB scan of school mail by the database of all patterns went from 24 to 19 ms:

- A pattern whose every match ends with at least ``DIGIT_RUN`` digits and is never followed by a
  digit (the ID, account and ten-digit phone numbers) ends where a run of digits ends. All of them
  share one expression, the end of a run of ``DIGIT_RUN`` digits or more, which reports once a run
  where their own forms reported at every digit a match could end at, and costs Hyperscan less
  than the seven shipped forms it stands for. (``Prefilter`` gives each the runs' exact ends, and
  only those of runs as long as its own ``digit_run``.)
- A pattern that, after a wide repetition, names a word from a list and closes with a negative
  lookahead of one class (a street address: number, name, "Ave") is given its tail from that
  list on, behind the class that ends what comes before it, with the lookahead consumed: Hyperscan
  finds " Ave." faster than a house number followed by up to four words.

A third does it for fewer reports rather than a faster pass: a pattern whose matches hold no
space and that closes with a negative lookahead, one of whose alternatives is one class, is given
that class's complement (or the text's end) in its place (``consumed_lookahead``). Hyperscan
drops a lookahead in prefilter mode and reported an e-mail address at each letter of its last
label; consumed, it reports one end a match.

``lookahead_reach`` says how far past a match's end a pattern can look (its lookaheads and
its end anchors): a window needs to reach only that far past an end, not a fixed distance
that every pattern pays for (the Python regex tries every position of a window).

``spaceless`` says whether a pattern can never match a space or a line break: then a match
lies inside the run of non-space characters that holds its last character, and its window
need not start further back than that run (an e-mail address pattern is hundreds of characters
wide, its matches a few dozen). ``lineless`` says the same of a line break alone (a formatted
phone number holds spaces, never a line break): its window starts no further back than the
line its end is on (a packed spreadsheet's cells are lines apart).
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # the stdlib's own parser: the only exact answer
import re._parser as sre_parse
from typing import Any

_CLASS_SHORTHANDS = {"\\w": "\\W", "\\W": "\\w", "\\d": "\\D", "\\D": "\\d", "\\s": "\\S"}
_CLASS_SHORTHANDS["\\S"] = "\\s"
# The characters a window's start is moved back to (``spaceless``).
BARRIERS = (" ", "\n")
_NEWLINE = BARRIERS[1]
_C = sre_constants
# Classes of ASCII characters only under re.ASCII, "?" not among them.
_ASCII_CATEGORIES = {_C.CATEGORY_DIGIT, _C.CATEGORY_WORD, _C.CATEGORY_SPACE}
_SPACE_CATEGORIES = {
    _C.CATEGORY_SPACE: (True, True),
    _C.CATEGORY_NOT_SPACE: (False, False),
    _C.CATEGORY_WORD: (False, False),
    _C.CATEGORY_NOT_WORD: (True, True),
    _C.CATEGORY_DIGIT: (False, False),
    _C.CATEGORY_NOT_DIGIT: (True, True),
    _C.CATEGORY_LINEBREAK: (False, True),
    _C.CATEGORY_NOT_LINEBREAK: (True, False),
}


def group_end(regex: str, start: int) -> int:
    """The index just past the group opened at ``regex[start]`` (a "("), or -1."""
    depth, index, in_class = 0, start, False
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            # A "]" first in a class (or after "^") is a literal.
            if regex[index + 1 : index + 2] == "^":
                index += 1
            if regex[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return -1


def _negated(single: str) -> str | None:
    """The complement of one character class written alone, or None."""
    if single in _CLASS_SHORTHANDS:
        return _CLASS_SHORTHANDS[single]
    if single.startswith("[") and single.endswith("]") and group_end(f"({single})", 0) > 0:
        inner = single[1:-1]
        if inner.startswith("^"):
            return f"[{inner[1:]}]" if inner[1:] else None
        return f"[^{inner}]"
    return None


def _sure(content: str) -> bool:
    """Whether a lookbehind's content reads the same in Hyperscan's view of a text, where
    every non-ASCII character is "?": content that holds only ASCII characters other than "?"
    (a positive lookbehind then holds just where its consumed form does; a negative one's
    complement holds "?" wherever the assertion holds after a non-ASCII character)."""
    if not content.isascii():
        return False
    try:
        items = list(sre_parse.parse(content, re.ASCII))
    except re.error:
        return False
    return _ascii_members(items)


def _ascii_members(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op == _C.LITERAL:
            if av == ord("?") or av > 127:
                return False
        elif op == _C.IN:
            for item_op, item_av in av:
                if item_op == _C.LITERAL:
                    if item_av == ord("?") or item_av > 127:
                        return False
                elif item_op == _C.RANGE:
                    low, high = item_av
                    if low <= ord("?") <= high or high > 127:
                        return False
                elif item_op != _C.CATEGORY or item_av not in _ASCII_CATEGORIES:
                    return False
        elif op == _C.SUBPATTERN:
            if not _ascii_members(list(av[-1])):
                return False
        elif op == _C.BRANCH:
            if not all(_ascii_members(list(branch)) for branch in av[1]):
                return False
        else:
            return False
    return True


def _consumed(group: str) -> str | None:
    """A lookbehind group (or a group of alternative positive lookbehinds) as consumed
    characters that hold whenever it does, or None."""
    if group.startswith("(?<=") and group.endswith(")"):
        content = group[4:-1]
        return f"(?:{content})" if _sure(content) else None
    if group.startswith("(?<!") and group.endswith(")"):
        content = group[4:-1]
        complement = _negated(content) if _sure(content) else None
        return f"(?:^|{complement})" if complement is not None else None
    if group.startswith("(?:") and group.endswith(")"):
        inner, parts, index = group[3:-1], [], 0
        while index < len(inner):
            if inner[index] != "(":
                return None
            end = group_end(inner, index)
            if end < 0 or not inner.startswith("(?<=", index):
                return None
            content = inner[index + 4 : end - 1]
            if not _sure(content):
                return None
            parts.append(content)
            index = end
            if index < len(inner):
                if inner[index] != "|":
                    return None
                index += 1
        return f"(?:{'|'.join(parts)})" if parts else None
    return None


def consumed_lookbehind(regex: str) -> str:
    """``regex`` with a leading lookbehind consumed instead of asserted, when it has one of
    the forms this knows (a positive lookbehind, alternatives of them, or a negative one of a
    single character class); otherwise ``regex`` as it is."""
    if not regex.startswith("(?"):
        return regex
    end = group_end(regex, 0)
    if end < 0:
        return regex
    consumed = _consumed(regex[:end])
    if consumed is None:
        return regex
    rewritten = consumed + regex[end:]
    try:
        re.compile(rewritten)
    except re.error:
        return regex
    return rewritten


# A leading repetition at least this much wider than its minimum is shortened to the minimum.
_WIDE = 16
_BOUNDS = re.compile(r"\{(\d+),(\d+)\}")


def _class_end(regex: str, start: int) -> int:
    """The index just past the class or escape that starts at ``regex[start]``, or -1."""
    if regex.startswith("\\", start):
        return start + 2 if regex[start + 1 : start + 2].isalpha() else -1
    if not regex.startswith("[", start):
        return -1
    index = start + 1
    if regex.startswith("^", index):
        index += 1
    if regex.startswith("]", index):
        index += 1  # a "]" first in a class is a literal
    while index < len(regex):
        if regex[index] == "\\":
            index += 2
        elif regex[index] == "]":
            return index + 1
        else:
            index += 1
    return -1


def shortened_start(regex: str) -> str:
    """``regex`` from its leading repetition on, shortened to its minimum, when it opens
    (after a lookbehind, if any) with one class repeated ``{m,n}``, n - m >= _WIDE, greedily;
    otherwise ``regex`` as it is. A match of ``regex`` ends where one of the result does: the
    result is the match's tail from the repetition's last m characters on."""
    start = 0
    if regex.startswith("(?<"):
        start = group_end(regex, 0)
        if start < 0:
            return regex
    end = _class_end(regex, start)
    bounds = _BOUNDS.match(regex, end) if end > 0 else None
    if bounds is None or regex[bounds.end() : bounds.end() + 1] in ("?", "+"):
        return regex
    low, high = int(bounds.group(1)), int(bounds.group(2))
    if low < 1 or high - low < _WIDE:
        return regex
    repeated = regex[start:end] + (f"{{{low}}}" if low > 1 else "")
    shortened = repeated + regex[bounds.end() :]
    try:
        re.compile(shortened)
    except re.error:
        return regex
    return shortened


def spaceless(regex: str, flags: int) -> bool:
    """Whether no match of ``regex`` can hold a space or a line break (lookarounds may look
    at them: they are outside the match)."""
    try:
        parsed = sre_parse.parse(regex, flags)
    except re.error:
        return False
    return not _can_consume(list(parsed))


def lineless(regex: str, flags: int) -> bool:
    """Whether no match of ``regex`` can hold a line break (it may hold spaces)."""
    try:
        parsed = sre_parse.parse(regex, flags)
    except re.error:
        return False
    return not _can_consume(list(parsed), (_NEWLINE,))


# What a width is when it has no bound (a repetition without a maximum, a group reference).
_UNBOUNDED = 1 << 30
# How far an anchor at a match's end looks: "$" also holds before a final line break, "\b" and
# "\B" at the character after.
_ANCHOR_REACH = {
    _C.AT_END: 2,
    _C.AT_END_STRING: 1,
    _C.AT_END_LINE: 1,
    _C.AT_BOUNDARY: 1,
    _C.AT_NON_BOUNDARY: 1,
    _C.AT_LOC_BOUNDARY: 1,
    _C.AT_LOC_NON_BOUNDARY: 1,
    _C.AT_UNI_BOUNDARY: 1,
    _C.AT_UNI_NON_BOUNDARY: 1,
}


def lookahead_reach(regex: str, flags: int) -> int | None:
    """How many characters past a match's end ``regex`` can read, at most, or None when that
    has no bound (or the pattern holds a construct not known here).

    A lookahead at any place of a match reads at most its content's width from there, and
    that place is never after the match's end; a lookahead inside it is counted as if its
    content were consumed (a bound, if not the least one)."""
    try:
        items = list(sre_parse.parse(regex, flags))
    except re.error:
        return None
    reach = _reach(items)
    return None if reach >= _UNBOUNDED else reach


def _reach(items: list[tuple[Any, Any]]) -> int:
    """The farthest any lookahead or end anchor among ``items`` reads past its own place."""
    reach = 0
    for op, av in items:
        if op == _C.AT:
            reach = max(reach, _ANCHOR_REACH.get(av, 0))
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            direction, body = av
            body_items = list(body)
            if direction == 1:
                reach = max(reach, _width(body_items))
            else:
                reach = max(reach, _reach(body_items))
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            reach = max(reach, _reach(list(av[2])))
        elif op == _C.SUBPATTERN:
            reach = max(reach, _reach(list(av[-1])))
        elif op == _C.ATOMIC_GROUP:
            reach = max(reach, _reach(list(av)))
        elif op == _C.BRANCH:
            reach = max([reach, *(_reach(list(branch)) for branch in av[1])])
        elif op in (_C.GROUPREF_EXISTS, _C.GROUPREF, _C.GROUPREF_IGNORE):
            return _UNBOUNDED
    return reach


def _width(items: list[tuple[Any, Any]]) -> int:
    """The most characters ``items`` can read from where they start, lookaheads read as if
    consumed (lookbehinds read before it: nothing)."""
    width = 0
    for op, av in items:
        if op in (_C.LITERAL, _C.NOT_LITERAL, _C.IN, _C.ANY, _C.CATEGORY):
            width += 1
        elif op == _C.AT:
            width += _ANCHOR_REACH.get(av, 0)
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            _low, high, body = av
            inner = _width(list(body))
            width += _UNBOUNDED if high >= sre_constants.MAXREPEAT else high * inner
        elif op == _C.SUBPATTERN:
            width += _width(list(av[-1]))
        elif op == _C.ATOMIC_GROUP:
            width += _width(list(av))
        elif op == _C.BRANCH:
            width += max(_width(list(branch)) for branch in av[1])
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            direction, body = av
            if direction == 1:
                width += _width(list(body))
        else:
            return _UNBOUNDED  # a group reference, or anything not known here
        if width >= _UNBOUNDED:
            return _UNBOUNDED
    return width


def _class_holds(items: list[tuple[Any, Any]], char: str) -> bool:
    """Whether a character class holds ``char`` (a space or a line break: no case)."""
    negate, hit = False, False
    for op, av in items:
        if op == _C.NEGATE:
            negate = True
        elif op == _C.LITERAL:
            hit = hit or chr(av) == char
        elif op == _C.RANGE:
            low, high = av
            hit = hit or low <= ord(char) <= high
        elif op == _C.CATEGORY and av in _SPACE_CATEGORIES:
            hit = hit or _SPACE_CATEGORIES[av][BARRIERS.index(char)]
        else:
            return True  # not known here: say it can
    return hit != negate


def _can_consume(items: list[tuple[Any, Any]], barriers: tuple[str, ...] = BARRIERS) -> bool:
    """Whether these parsed items can consume one of ``barriers`` (a space or a line
    break)."""
    for op, av in items:
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue  # zero-width
        if op == _C.LITERAL:
            if chr(av) in barriers:
                return True
        elif op == _C.NOT_LITERAL:
            if any(chr(av) != barrier for barrier in barriers):
                return True
        elif op == _C.IN:
            if any(_class_holds(av, barrier) for barrier in barriers):
                return True
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            if _can_consume(list(av[2]), barriers):
                return True
        elif op == _C.SUBPATTERN:
            if _can_consume(list(av[-1]), barriers):
                return True
        elif op == _C.ATOMIC_GROUP:
            if _can_consume(list(av), barriers):
                return True
        elif op == _C.BRANCH:
            if any(_can_consume(list(branch), barriers) for branch in av[1]):
                return True
        else:
            return True  # ANY, group references, anything not known here: say it can
    return False


# The shortest run of digits a pattern must end with to share ``DIGIT_RUN_END``: runs of five
# digits or more are a small share of the numbers in school mail (years, times, grades are short).
DIGIT_RUN = 5
# The end of a run of at least DIGIT_RUN digits, one character late (or at the end of the text).
DIGIT_RUN_END = rf"\d{{{DIGIT_RUN}}}(?:\D|$)"


def hyperscan_form(regex: str, flags: int) -> tuple[str, int]:
    """The expression Hyperscan is given for ``regex`` (compiled with ``flags | re.ASCII`` in
    Python), and its slack: every real match ending at ``e`` has a match of the expression
    ending in ``[e, e + slack]``."""
    # An ID glued to its label (a positive lookbehind in front) keeps its own form: the
    # character it then consumes makes its ends rarer than those of runs of digits.
    if digit_run(regex, flags) and not regex.startswith(("(?<=", "(?:(?<=")):
        return DIGIT_RUN_END, 1
    # Only a pattern whose matches hold no space has its closing lookahead consumed: consumed
    # in the phone and card numbers' forms too, it made Hyperscan's pass 7% slower over text
    # with no finding (83 -> 89 ms for 21 MB); in those of e-mail addresses and dates it
    # costs nothing measurable there. (An ID glued to its label keeps its form: the runs of
    # digits are the rule above's to shape.)
    consume = spaceless(regex, flags) and not digit_run(regex, flags)
    shortened = shortened_start(regex)
    if shortened != regex:
        return _with_consumed_lookahead(shortened, consume)
    tail = anchored_tail(regex)
    if tail is not None:
        return tail, 1
    return _with_consumed_lookahead(consumed_lookbehind(regex), consume)


def _with_consumed_lookahead(expression: str, consume: bool) -> tuple[str, int]:
    """``expression`` with its closing negative lookahead consumed (``consumed_lookahead``),
    slack 1, when ``consume`` and it has one that can be; otherwise as it is, slack 0."""
    consumed = consumed_lookahead(expression) if consume else None
    return (expression, 0) if consumed is None else (consumed, 1)


def _alternatives(regex: str) -> list[str] | None:
    """The top-level alternatives of ``regex``, or None (a construct not known here)."""
    alternatives, index, begin = [], 0, 0
    while index < len(regex):
        char = regex[index]
        if char == "(":
            index = group_end(regex, index)
        elif char == "[":
            index = _class_end(regex, index)
        elif char == "\\":
            index += 2
        else:
            if char == "|":
                alternatives.append(regex[begin:index])
                begin = index + 1
            index += 1
        if index < 0:
            return None
    alternatives.append(regex[begin:])
    return alternatives


def consumed_lookahead(regex: str) -> str | None:
    """``regex`` with its closing negative lookahead consumed: the character after the match
    (or the end of the text), outside the first alternative of the lookahead that is one
    class, when it has one; otherwise None. A match of ``regex`` ending at ``e`` holds one of
    the result ending at ``e`` or ``e + 1``.

    Hyperscan drops a lookahead in prefilter mode, and so reported an end at every place the
    rest could end at: an e-mail address at each letter of its last label ("gmail.c",
    "gmail.co", "gmail.com"), a date at its two-digit year and its four-digit one, a phone
    number at its last two digits. Consumed, the lookahead makes it one end a match (on a
    text dense with them, 168k ends became 128k: a Python callback each, and a step of
    ``_merge``)."""
    items = top_level_items(regex)
    if items is None or len(items) < 2:
        return None
    *body, last = items
    if not (last.startswith("(?!") and group_end(last, 0) == len(last)):
        return None
    alternatives = _alternatives(last[3:-1])
    if alternatives is None:
        return None
    for alternative in alternatives:
        complement = _negated(alternative) if _sure(alternative) else None
        if complement is not None:
            break
    else:
        return None
    rest = "".join(body)
    consumed = f"{rest}(?:$|{complement})"
    try:
        if sre_parse.parse(rest).getwidth()[0] < 1:
            return None  # (the end moved back by the slack must lie inside a match)
        re.compile(consumed)
    except re.error:
        return None
    return consumed


def digit_run(regex: str, flags: int) -> int:
    """How many ASCII digits every match of ``regex`` ends with at least, when it closes with
    a negative lookahead that rejects every digit (so that it ends where a run of digits does)
    and that is DIGIT_RUN or more; otherwise 0."""
    try:
        items = list(sre_parse.parse(regex, flags | re.ASCII))
    except re.error:
        return 0
    if not items or items[-1][0] != _C.ASSERT_NOT:
        return 0
    direction, body = items[-1][1]
    if direction != 1 or not _rejects_digits(list(body)):
        return 0
    digits = _trailing_digits(items[:-1])[0]
    return digits if digits >= DIGIT_RUN else 0


def digit_run_most(regex: str, flags: int) -> int:
    """The most digits a match of ``regex`` holds, when it is ``digit_run``'s kind of pattern,
    consumes only ASCII digits, at most that many, and opens with a negative lookbehind that
    rejects every digit; otherwise 0. Such a match is the whole run of digits it ends (none
    before it, none after), so no match ends a longer run: ``Prefilter.windows`` passes over
    those runs' ends (a 10-digit state ID is no 6-to-9-digit local ID, nor a bare SSN)."""
    if not digit_run(regex, flags):
        return 0
    try:
        parsed = sre_parse.parse(regex, flags | re.ASCII)
    except re.error:
        return 0
    items = list(parsed)
    if len(items) < 3 or items[0][0] != _C.ASSERT_NOT:
        return 0
    direction, body = items[0][1]
    if direction != -1 or not _rejects_digits(list(body)):
        return 0
    if not _trailing_digits(items[1:-1])[1]:
        return 0  # (something other than a digit consumed)
    most = parsed.getwidth()[1]  # (the lookarounds consume nothing)
    return int(most) if most < _C.MAXREPEAT else 0


def _rejects_digits(body: list[tuple[Any, Any]]) -> bool:
    """Whether a negative lookahead with this content fails before any digit: one of its
    alternatives is a single class that holds every digit."""
    alternatives = [body]
    if len(body) == 1 and body[0][0] == _C.BRANCH:
        alternatives = [list(branch) for branch in body[0][1][1]]
    return any(
        len(alternative) == 1 and _holds_digits(*alternative[0]) for alternative in alternatives
    )


def _holds_digits(op: Any, av: Any) -> bool:
    if op != _C.IN:
        return False
    digits = set(range(ord("0"), ord("9") + 1))
    for item_op, item_av in av:
        if item_op == _C.NEGATE:
            return False
        if item_op == _C.LITERAL:
            digits.discard(item_av)
        elif item_op == _C.RANGE:
            digits -= set(range(item_av[0], item_av[1] + 1))
        elif item_op == _C.CATEGORY and item_av in (_C.CATEGORY_DIGIT, _C.CATEGORY_WORD):
            digits.clear()
    return not digits


def _only_digits(op: Any, av: Any) -> bool:
    """Whether one parsed character item matches only ASCII digits (under re.ASCII)."""
    if op == _C.LITERAL:
        return ord("0") <= av <= ord("9")
    if op != _C.IN or not av:
        return False
    for item_op, item_av in av:
        if item_op == _C.LITERAL:
            if not ord("0") <= item_av <= ord("9"):
                return False
        elif item_op == _C.RANGE:
            if item_av[0] < ord("0") or item_av[1] > ord("9"):
                return False
        elif item_op != _C.CATEGORY or item_av != _C.CATEGORY_DIGIT:
            return False
    return True


def _trailing_digits(items: list[tuple[Any, Any]]) -> tuple[int, bool]:
    """How many digits every match of these items ends with at least, and whether all it
    consumes is digits."""
    count = 0
    for op, av in reversed(items):
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue  # zero-width
        if _only_digits(op, av):
            count += 1
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            low, _high, repeated = av
            inner, whole = _trailing_digits(list(repeated))
            if not whole:
                # The last repetition ends with ``inner`` digits, if there is one.
                return count + (inner if low > 0 else 0), False
            count += low * inner
        elif op == _C.SUBPATTERN:
            inner, whole = _trailing_digits(list(av[-1]))
            count += inner
            if not whole:
                return count, False
        elif op == _C.BRANCH:
            found = [_trailing_digits(list(branch)) for branch in av[1]]
            count += min(inner for inner, _ in found)
            if not all(whole for _, whole in found):
                return count, False
        else:
            return count, False
    return count, True


_QUANTIFIER = re.compile(r"(?:[?*+]|\{\d+(?:,\d*)?\})[?+]?")
# A group of alternative words, two letters or more, case flags aside: "(?-i:Street|St|Ave)".
_WORDS = re.compile(r"\((?:\?-?[a-z]*:)?[A-Za-z0-9]{2,}(?:\|[A-Za-z0-9]{2,})*\)")


def top_level_items(regex: str) -> list[str] | None:
    """The top-level items of ``regex``, each with its quantifier, or None (a top-level
    alternation, or a construct not known here)."""
    items, index = [], 0
    while index < len(regex):
        char = regex[index]
        if char == "(":
            end = group_end(regex, index)
        elif char == "[":
            end = _class_end(regex, index)
        elif char == "\\":
            end = index + 2 if regex[index + 1 : index + 2] not in ("", *"xuUNgk0123456789") else -1
        elif char in "|?*+{})":
            return None
        else:
            end = index + 1
        if end < 0:
            return None
        quantifier = _QUANTIFIER.match(regex, end)
        if quantifier:
            end = quantifier.end()
        items.append(regex[index:end])
        index = end
    return items


def _last_class(item: str) -> str | None:
    """The class or escape that every match of one item (from ``_items``) ends with, or None."""
    if item.startswith("("):
        atom_end = group_end(item, 0)
    elif item.startswith("["):
        atom_end = _class_end(item, 0)
    else:
        atom_end = 2 if item.startswith("\\") else 1
    atom, quantifier = item[:atom_end], item[atom_end:]
    if atom_end < 0 or quantifier.startswith(("?", "*", "{0")):
        return None  # it may match nothing
    if atom.startswith("[") or (atom.startswith("\\") and atom[1:] not in ("b", "B", "A", "Z")):
        return atom if _sure(atom) else None
    # Inside a group that sets no flag ("(?:", "(?-i:"), a class holds no more than outside.
    opening = re.match(r"\((?:\?(?:-[a-z]+)?:)?", atom)
    if (
        not atom.startswith("(")
        or opening is None
        or atom[opening.end() - 1 : opening.end()] not in (":", "(")
    ):
        return None
    if atom[1:2] == "?" and opening.end() == 1:
        return None  # a lookaround, a named group, a flag group that sets one
    inner = top_level_items(atom[opening.end() : -1])
    return _last_class(inner[-1]) if inner else None


def anchored_tail(regex: str) -> str | None:
    """``regex`` from its last group of alternative words on, behind the class that ends what
    comes before that group, with its closing negative lookahead of one class consumed; when
    what comes before holds a wide repetition (otherwise None). A match of ``regex`` ending at
    ``e`` holds one of the result ending at ``e`` or ``e + 1``."""
    items = top_level_items(regex)
    if items is None or len(items) < 3:
        return None
    *body, last = items
    if not (last.startswith("(?!") and group_end(last, 0) == len(last)):
        return None
    looked_at = last[3:-1]
    complement = _negated(looked_at) if _sure(looked_at) else None
    if complement is None:
        return None
    for cut in range(len(body) - 1, 0, -1):
        if _WORDS.fullmatch(body[cut]):
            break
    else:
        return None
    before = _last_class(body[cut - 1])
    if before is None or not _wide("".join(body[:cut])):
        return None
    tail = before + "".join(body[cut:]) + f"(?:$|{complement})"
    try:
        re.compile(tail)
    except re.error:
        return None
    return tail


def _wide(regex: str) -> bool:
    return any(int(high) - int(low) >= _WIDE for low, high in _BOUNDS.findall(regex))
