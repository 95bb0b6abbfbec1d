"""E-mail addresses as the roster keeps them: one exact spelling, then a keyed hash.

Text matching folds an address into tokens (``john.smith@`` and ``john_smith@`` look alike
there); deciding who a recipient *is* cannot. An address is compared whole, lower-cased, with
its domain in IDNA A-labels (`dlp.domains.ascii_domain`), the form the policy gives recipients.
"""

from __future__ import annotations

from dlp.domains import ascii_domain

ADDRESS_PURPOSE = "address"


def exact_address(address: str) -> str:
    """``" Jane.Doe@Bücher.Example "`` -> ``jane.doe@xn--bcher-kva.example``; "" when it is not
    an address (no ``@``, or nothing on either side)."""
    bare = address.strip().strip("<>").strip()
    local, at, domain = bare.rpartition("@")
    if not at or not local or not domain:
        return ""
    return f"{local.lower()}@{ascii_domain(domain)}"
