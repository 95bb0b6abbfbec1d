"""A quicker ``__init__`` for the frozen, slotted dataclasses made once per finding.

A frozen dataclass's generated ``__init__`` stores each field through
``object.__setattr__(self, name, value)`` (its own ``__setattr__`` refuses): a global lookup,
a bound method and a call by name per field, about 0.3 µs each, so making one ``Finding`` (15
fields) cost as much as its keyed digest, and a text dense with findings makes two per value.
The ``__init__`` made here takes the same parameters with the same defaults and stores each
field through its slot's own setter, the step ``object.__setattr__`` ends in: the object is as
frozen as before (assignment still raises ``FrozenInstanceError``), equal, hashed, printed
and pickled as before. ``tests/test_frozen.py`` holds it to the generated one.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class _Factory:
    """The default of a parameter whose field has a ``default_factory`` (shown as dataclass
    shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def quick_init(cls: type[T]) -> type[T]:
    """Give the frozen, slotted dataclass ``cls`` the quicker ``__init__`` (apply it above
    ``@dataclass``). Classes with what it does not handle (``__post_init__``, keyword-only or
    non-init fields) are refused when the class is defined, not given a wrong ``__init__``."""
    if not (is_dataclass(cls) and "__slots__" in cls.__dict__):
        raise TypeError(f"{cls.__name__}: quick_init is for slotted dataclasses")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: quick_init does not call __post_init__")
    namespace: dict[str, object] = {"_FACTORY": _FACTORY}
    parameters, lines = [], []
    for number, item in enumerate(fields(cls)):
        if not item.init or item.kw_only:
            raise TypeError(f"{cls.__name__}.{item.name}: quick_init takes init fields only")
        setter, name = f"_set{number}", item.name
        namespace[setter] = cls.__dict__[name].__set__
        if item.default is not MISSING:
            namespace[f"_default{number}"] = item.default
            parameters.append(f"{name}=_default{number}")
            lines.append(f"    {setter}(self, {name})")
        elif item.default_factory is not MISSING:
            namespace[f"_factory{number}"] = item.default_factory
            parameters.append(f"{name}=_FACTORY")
            lines.append(
                f"    {setter}(self, _factory{number}() if {name} is _FACTORY else {name})"
            )
        else:
            parameters.append(name)
            lines.append(f"    {setter}(self, {name})")
    source = f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(lines) + "\n"
    exec(source, namespace)
    init: Any = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    setattr(cls, "__init__", init)  # noqa: B010 - a method replaced, as dataclass sets it
    return cls
