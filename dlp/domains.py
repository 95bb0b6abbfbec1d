"""One spelling of a domain name for every comparison: IDNA A-labels, lower case, no final dot.

Internal, authorized and look-alike matching all go through `ascii_domain`, so ``CUSD.com.``,
``bücher.example`` and ``xn--bcher-kva.example`` each compare equal to their one form. UTS #46
non-transitional processing (IDNA 2008, as browsers and current MTAs do): ``ß`` stays ``ß``
(``faß.de`` is ``xn--fa-hia.de``, not ``fass.de`` as Python's built-in IDNA 2003 codec says).
"""

from __future__ import annotations

import contextlib
from functools import lru_cache

import idna


@lru_cache(maxsize=8192)
def ascii_domain(domain: str) -> str:
    """``domain`` as lower-case A-labels; a name IDNA refuses is compared as written
    (lower-cased): never equal to a valid name, so it can match nothing it does not spell."""
    name = domain.strip().rstrip(".")
    lowered = name.lower()
    if lowered.isascii() and "xn--" not in lowered:
        return lowered  # ASCII is its own A-label form: no IDNA work on the common path
    try:
        return idna.encode(name, uts46=True, transitional=False).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        return lowered


def unicode_domain(domain: str) -> str:
    """The U-label form of `ascii_domain` (``xn--`` labels decoded), for look-alike folding;
    a label that does not decode stays as written."""
    labels = []
    for label in ascii_domain(domain).split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(idna.IDNAError, UnicodeError, ValueError):
                label = idna.decode(label)
        labels.append(label)
    return ".".join(labels)


def ascii_address(address: str) -> str:
    """``local@domain`` with the domain as `ascii_domain` (the local part as written)."""
    local, at, domain = address.rpartition("@")
    return f"{local}@{ascii_domain(domain)}" if at else address
