"""Compiled kernels (numba), built on first use, once per process, never at import.

numba is an optional speed-up: without it `LazyKernel` gives None and callers keep their
pure-Python path. The compiled code is cached beside its module where that is writable (or in
numba's user cache); with no writable cache location at all (a read-only install, no writable
home) it is compiled in memory instead.

Compiling takes long enough (some 17 s for the roster's kernel on a slow machine) that a first
`dlp scan` looked hung: the first real compilation of a kernel is announced with a warning on
the ``dlp.jit`` logger ("compiling the roster kernel (first run only)..."). It is the
compilation itself that is announced (numba's ``numba:compile`` event, which fires only when
the disk cache had nothing to load), so a cached start says nothing. Without logging set up
(`dlp scan`), Python prints a warning as its bare message on standard error; the gateway's
log configuration takes it like any other.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Kernel = Callable[..., Any]

logger = logging.getLogger(__name__)


class LazyKernel:
    """``kernel()`` is the compiled ``function`` (or None without numba), built on the first
    call. ``helpers``: names of functions in ``function``'s module that it calls; they are
    compiled first and put in the module's globals, where numba looks for them.
    ``intrinsics``: {name: "numba.module.attribute"} of numba intrinsics (one machine
    instruction, such as ``trailing_zeros``) that ``function`` calls by that name; imported
    only when the kernel is built, and put in the module's globals likewise. ``options``:
    more of ``numba.njit``'s, for the kernel and its helpers alike."""

    def __init__(
        self,
        function: Callable[..., Any],
        helpers: Sequence[str] = (),
        intrinsics: Mapping[str, str] | None = None,
        name: str = "",
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self._function = function
        # What the compilation message calls it: "roster" gives "the roster kernel".
        self._name = name or function.__module__
        self._helpers = tuple(helpers)
        self._intrinsics = dict(intrinsics or {})
        self._options = dict(options or {})
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
                    module[name] = numba.njit(cache=cache, nogil=True, **self._options)(python)
                kernel: Kernel = numba.njit(cache=cache, nogil=True, **self._options)(
                    self._function
                )
                when = "first run only" if cache else "no writable cache: on every run"
                _announce_compilation(kernel, f"compiling the {self._name} kernel ({when})...")
                return kernel
            except RuntimeError:
                continue
        return None


class _Announcements:
    """Messages to log when a kernel is really compiled, once each: numba says so with its
    ``numba:compile`` event, which it raises only after its cache had nothing to load. Kernels
    of one name (the spreadsheet reader has three) are announced once between them."""

    def __init__(self) -> None:
        self._messages: dict[int, str] = {}  # id(dispatcher): its message, until compiled
        self._said: set[str] = set()
        self._lock = threading.Lock()
        self._listening = False

    def expect(self, dispatcher: Kernel, message: str) -> None:
        from numba.core import event

        messages, said_before = self._messages, self._said

        class Announcer(event.Listener):
            def on_start(self, started: event.Event) -> None:
                said = messages.pop(id(started.data["dispatcher"]), None)
                if said is not None and said not in said_before:
                    said_before.add(said)
                    logger.warning("dlp: %s", said)

            def on_end(self, ended: event.Event) -> None:
                pass

        with self._lock:
            if not self._listening:  # one listener for every kernel
                event.register("numba:compile", Announcer())
                self._listening = True
            messages[id(dispatcher)] = message


_announce_compilation = _Announcements().expect
