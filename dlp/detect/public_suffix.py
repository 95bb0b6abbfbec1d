"""Whether a domain ends in a public suffix, read from the list bundled with tldextract.

Presidio's e-mail recognizer keeps an address only when tldextract finds a suffix for its
domain. Importing tldextract brings requests, urllib3 and ssl (about 0.13 s of CPU, paid by the
first e-mail address a process meets: a third of a one-message `dlp scan`), though all that is
needed is its bundled snapshot of the Public Suffix List, which this module reads itself and
walks as tldextract's ``suffix_index`` does (the ICANN section only: tldextract's default
leaves the private domains out). ``tests/detect/test_public_suffix.py`` holds the two to each
other.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# tldextract's own expression for a rule line, and the line that starts the private section.
_RULE = re.compile(r"^(?P<suffix>[.*!]*\w[\S]*)", re.UNICODE | re.MULTILINE)
_PRIVATE_SECTION = "// ===BEGIN PRIVATE DOMAINS==="
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    end: bool = False


@cache
def _suffix_tree() -> _Node:
    # Found, not imported: importing the package is what this module avoids.
    spec = importlib.util.find_spec("tldextract")
    if spec is None or spec.origin is None:
        raise RuntimeError("tldextract (whose public suffix list this reads) is not installed")
    snapshot = Path(spec.origin).with_name(".tld_set_snapshot")
    public = snapshot.read_text(encoding="utf-8").partition(_PRIVATE_SECTION)[0]
    root = _Node()
    for match in _RULE.finditer(public):
        node = root
        for label in reversed(match.group("suffix").split(".")):
            node = node.children.setdefault(label, _Node())
        node.end = True
    return root


def _decoded(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        import idna  # tldextract's own dependency; only for a punycode label

        try:
            decoded: str = idna.decode(lowered)
        except (UnicodeError, IndexError):
            return lowered
        return decoded
    return lowered


def has_public_suffix(domain: str) -> bool:
    """Whether tldextract would find a (non-empty) public suffix for this host name."""
    labels = domain.translate(_DOTS).split(".")
    node = _suffix_tree()
    for label in reversed(labels):
        child = node.children.get(_decoded(label))
        if child is not None:
            node = child
            if node.end:
                return True
            continue
        # A wildcard rule ("*.ck") makes this label part of the suffix; an exception to it
        # ("!www.ck") leaves the suffix at the labels matched so far, which is never empty.
        return "*" in node.children
    return False
