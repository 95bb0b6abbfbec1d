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

``spaceless`` says whether a pattern can never match a space or a line break: then a match
lies inside the run of non-space characters that holds its last character, and its window
need not start further back than that run (an e-mail address pattern is hundreds of characters
wide, its matches a few dozen).
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


def _group_end(regex: str, start: int) -> int:
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
    if single.startswith("[") and single.endswith("]") and _group_end(f"({single})", 0) > 0:
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
            end = _group_end(inner, index)
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
    end = _group_end(regex, 0)
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
        start = _group_end(regex, 0)
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


def _can_consume(items: list[tuple[Any, Any]]) -> bool:
    """Whether these parsed items can consume a space or a line break."""
    for op, av in items:
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue  # zero-width
        if op == _C.LITERAL:
            if chr(av) in BARRIERS:
                return True
        elif op == _C.NOT_LITERAL:
            if any(chr(av) != barrier for barrier in BARRIERS):
                return True
        elif op == _C.IN:
            if any(_class_holds(av, barrier) for barrier in BARRIERS):
                return True
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            if _can_consume(list(av[2])):
                return True
        elif op == _C.SUBPATTERN:
            if _can_consume(list(av[-1])):
                return True
        elif op == _C.ATOMIC_GROUP:
            if _can_consume(list(av)):
                return True
        elif op == _C.BRANCH:
            if any(_can_consume(list(branch)) for branch in av[1]):
                return True
        else:
            return True  # ANY, group references, anything not known here: say it can
    return False
