"""Compiled kernels (numba), built on first use, once per process, never at import.

numba is an optional speed-up: without it `LazyKernel` gives None and callers keep their
pure-Python path. The compiled code is cached beside its module where that is writable (or in
numba's user cache); with no writable cache location at all (a read-only install, no writable
home) it is compiled in memory instead.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Kernel = Callable[..., Any]


class LazyKernel:
    """``kernel()`` is the compiled ``function`` (or None without numba), built on the first
    call. ``helpers``: names of functions in ``function``'s module that it calls; they are
    compiled first and put in the module's globals, where numba looks for them.
    ``intrinsics``: {name: "numba.module.attribute"} of numba intrinsics (one machine
    instruction, such as ``trailing_zeros``) that ``function`` calls by that name; imported
    only when the kernel is built, and put in the module's globals likewise."""

    def __init__(
        self,
        function: Callable[..., Any],
        helpers: Sequence[str] = (),
        intrinsics: Mapping[str, str] | None = None,
    ) -> None:
        self._function = function
        self._helpers = tuple(helpers)
        self._intrinsics = dict(intrinsics or {})
        self._lock = threading.Lock()
        self._built = False
        self._kernel: Kernel | None = None

    @property
    def built(self) -> bool:
        return self._built

    def __call__(self) -> Kernel | None:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._kernel = self._build()
                    self._built = True
        return self._kernel

    def _build(self) -> Kernel | None:
        try:
            import numba
        except ImportError:
            return None
        module = vars(sys.modules[self._function.__module__])
        for name, where in self._intrinsics.items():
            owner, _, attribute = where.rpartition(".")
            try:
                module[name] = getattr(importlib.import_module(owner), attribute)
            except (ImportError, AttributeError):
                return None  # a numba without it: the callers' path without the kernel
        for cache in (True, False):  # False: no writable cache location
            try:
                for name in self._helpers:
                    python = getattr(module[name], "py_func", module[name])
                    module[name] = numba.njit(cache=cache, nogil=True)(python)
                kernel: Kernel = numba.njit(cache=cache, nogil=True)(self._function)
                return kernel
            except RuntimeError:
                continue
        return None
