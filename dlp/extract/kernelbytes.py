"""What the compiled readers of XML parts (``sheetkernel``, ``sharedstrings``) share: fixed
pieces of markup as byte arrays, and the test for one at an offset.

``_literal`` is compiled by each kernel's ``LazyKernel`` into that kernel's module, where
numba looks for its helpers; each module imports it under this name."""

from __future__ import annotations

import numpy as np


def _bytes(text: bytes) -> np.ndarray:
    return np.frombuffer(text, dtype=np.uint8)


def _literal(data: bytes, at: int, size: int, text: np.ndarray) -> bool:
    if at + len(text) > size:
        return False
    for offset in range(len(text)):  # noqa: SIM110 (a generator does not compile)
        if data[at + offset] != text[offset]:
            return False
    return True
