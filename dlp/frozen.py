"""A quicker ``__init__`` for the frozen, slotted dataclasses made once per finding.

A frozen dataclass's generated ``__init__`` stores each field through
``object.__setattr__(self, name, value)`` (its own ``__setattr__`` refuses): a global lookup,
a bound method and a call by name per field, about 0.3 µs each, so making one ``Finding`` (15
fields) cost as much as its keyed digest, and a text dense with findings makes two per value.
The ``__init__`` made here takes the same parameters with the same defaults and stores each
field through its slot's own setter, the step ``object.__setattr__`` ends in: the object is as
frozen as before (assignment still raises ``FrozenInstanceError``), equal, hashed, printed
and pickled as before. ``tests/test_frozen.py`` holds it to the generated one.

A class of many fields (``Finding``, ``RawMatch``) goes further: its ``__init__`` lends the
object, for the length of the call, to an unfrozen twin class with the same slots, stores each
field by plain assignment (a slot store the interpreter specialises, with no call) and gives it
back. The two class changes cost about what six setter calls do, so a class of few fields
(``TextAt``) keeps the setters; making a ``Finding`` drops from about 1.25 to 1.0 µs.

The move back is written ``obj.__class__ = cls``: the object is then of the open twin, whose
plain attribute store reaches the same ``__class__`` setter (and its layout checks) without
the call of ``object.__setattr__`` by name, about 0.05 µs less per object made (0.26 against
0.20 µs for a ``TextAt`` made by ``quick_new``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


class _Factory:
    """The default of a parameter whose field has a ``default_factory`` (shown as dataclass
    shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()
# Each class given ``quick_init``, with its open twin when it has one.
_TWINS: dict[type, type | None] = {}


# From this many fields on, lending the object to an open twin beats a setter call per field.
_TWIN_FROM_FIELDS = 7


def quick_init(cls: type[T]) -> type[T]:
    """Give the frozen, slotted dataclass ``cls`` the quicker ``__init__`` (apply it above
    ``@dataclass``). Classes with what it does not handle (``__post_init__``, keyword-only or
    non-init fields) are refused when the class is defined, not given a wrong ``__init__``."""
    if not (is_dataclass(cls) and "__slots__" in cls.__dict__):
        raise TypeError(f"{cls.__name__}: quick_init is for slotted dataclasses")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: quick_init does not call __post_init__")
    namespace: dict[str, object] = {"_FACTORY": _FACTORY, "_cls": cls}
    parameters, values, setters = [], [], []
    for number, item in enumerate(fields(cls)):
        if not item.init or item.kw_only:
            raise TypeError(f"{cls.__name__}.{item.name}: quick_init takes init fields only")
        name = item.name
        namespace[f"_set{number}"] = cls.__dict__[name].__set__
        if item.default is not MISSING:
            namespace[f"_default{number}"] = item.default
            parameters.append(f"{name}=_default{number}")
            values.append(name)
        elif item.default_factory is not MISSING:
            namespace[f"_factory{number}"] = item.default_factory
            parameters.append(f"{name}=_FACTORY")
            values.append(f"_factory{number}() if {name} is _FACTORY else {name}")
        else:
            parameters.append(name)
            values.append(name)
        setters.append(f"_set{number}(self, {values[-1]})")
    names = [item.name for item in fields(cls)]
    body = setters
    twin = _open_twin(cls, names) if len(names) >= _TWIN_FROM_FIELDS else None
    if twin is not None:
        # Only an object of ``cls`` itself is lent: a subclass may have another layout.
        namespace.update(_twin=twin, _set_class=object.__setattr__)
        body = [
            "if self.__class__ is _cls:",
            "    _set_class(self, '__class__', _twin)",
            *(f"    self.{name} = {value}" for name, value in zip(names, values, strict=True)),
            "    self.__class__ = _cls",
            "    return",
            *setters,
        ]
    source = f"def __init__(self, {', '.join(parameters)}):\n" + "".join(
        f"    {line}\n" for line in body
    )
    exec(source, namespace)
    init: Any = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    setattr(cls, "__init__", init)  # noqa: B010 - a method replaced, as dataclass sets it
    _TWINS[cls] = twin
    return cls


def _open_twin(cls: type, names: list[str]) -> type | None:
    """A class with the slots of ``cls`` and nothing else (no frozen ``__setattr__``), which an
    object of ``cls`` may be moved to and back; None when the interpreter refuses the move."""
    twin = type(f"_Open{cls.__name__}", (), {"__slots__": tuple(names)})
    probe: object = object.__new__(cls)
    try:
        object.__setattr__(probe, "__class__", twin)
        object.__setattr__(probe, "__class__", cls)
    except TypeError:
        return None
    return twin


def quick_replace(cls: type[T], name: str) -> Callable[[T, Any], T]:
    """``lambda made, value: dataclasses.replace(made, **{name: value})`` for an object of the
    ``quick_init`` class ``cls``: a new object with every field of ``made`` and ``name`` set to
    ``value``, each field copied slot to slot (through the open twin when ``cls`` has one)
    rather than read into arguments for ``__init__``, which only stores them."""
    if cls not in _TWINS:
        raise TypeError(f"{cls.__name__}: quick_replace is for quick_init classes")
    names = [item.name for item in fields(cls)]  # type: ignore[arg-type]
    if name not in names:
        raise TypeError(f"{cls.__name__} has no field {name!r}")
    twin = _TWINS[cls]
    namespace: dict[str, object] = {
        "_cls": cls,
        "_twin": twin,
        "_new": object.__new__,
    }
    copied = [("value" if field == name else f"made.{field}", field) for field in names]
    if twin is not None:
        # Made as the twin, as ``quick_new`` makes it (one class change, not two).
        body = [
            "new = _new(_twin)",
            *(f"new.{field} = {value}" for value, field in copied),
            "new.__class__ = _cls",
        ]
    else:
        body = ["new = _new(_cls)"]
        for number, (value, field) in enumerate(copied):
            namespace[f"_set{number}"] = cls.__dict__[field].__set__
            body.append(f"_set{number}(new, {value})")
    body.append("return new")
    source = "def replace(made, value):\n" + "".join(f"    {line}\n" for line in body)
    exec(source, namespace)
    made: Any = namespace["replace"]
    made.__qualname__ = f"quick_replace({cls.__qualname__}, {name!r})"
    return made


def quick_new(cls: type[T]) -> Callable[..., T]:
    """A function that makes what ``cls(...)`` makes, from the same arguments, for the
    ``quick_init`` class ``cls``, for the places that make one per match or finding: the object
    is made as the open twin, its fields stored by plain assignment, and moved to ``cls`` once
    (``cls(...)`` goes through ``type.__call__`` to ``__init__``, which lends it to the twin
    and takes it back: about 0.45 against 0.27 µs for a ``RawMatch``). Its signature is that
    of ``cls``; a class with no twin yet gets one (the object is only ever seen as ``cls``)."""
    twin = open_twin(cls)
    names = [item.name for item in fields(cls)]  # type: ignore[arg-type]
    init: Any = cls.__init__
    namespace: dict[str, object] = {
        "_cls": cls,
        "_twin": twin,
        "_new": object.__new__,
        "_FACTORY": _FACTORY,
    }
    # The parameters as ``__init__`` has them, its defaults read from it.
    signature = inspect.signature(init)
    parameters, values = [], []
    for number, (name, parameter) in enumerate(list(signature.parameters.items())[1:]):
        if parameter.default is inspect.Parameter.empty:
            parameters.append(name)
        else:
            namespace[f"_default{number}"] = parameter.default
            parameters.append(f"{name}=_default{number}")
        values.append(name)
    # A field with a default factory: ``__init__`` has the marker as its default and calls the
    # factory for it; the same expression here.
    for number, item in enumerate(fields(cls)):  # type: ignore[arg-type]
        if item.default_factory is not MISSING:
            namespace[f"_factory{number}"] = item.default_factory
            values[number] = f"_factory{number}() if {item.name} is _FACTORY else {item.name}"
    body = [
        "made = _new(_twin)",
        *(f"made.{name} = {value}" for name, value in zip(names, values, strict=True)),
        "made.__class__ = _cls",
        "return made",
    ]
    source = f"def new({', '.join(parameters)}):\n" + "".join(f"    {line}\n" for line in body)
    exec(source, namespace)
    made: Any = namespace["new"]
    made.__qualname__ = f"quick_new({cls.__qualname__})"
    return made


def open_twin(cls: type) -> Any:
    """The open twin of the ``quick_init`` class ``cls`` (made for it if it has none yet), for
    a loop that makes its objects inline as ``quick_new`` makes them: ``obj =
    object.__new__(twin)``, each field stored, then ``obj.__class__ = cls``. Every field must
    be stored (a slot left empty raises when it is read)."""
    if cls not in _TWINS:
        raise TypeError(f"{cls.__name__}: quick_new and open_twin are for quick_init classes")
    names = [item.name for item in fields(cls)]
    twin = _TWINS[cls] or _open_twin(cls, names)
    if twin is None:
        raise TypeError(f"{cls.__name__}: its objects cannot be lent to an open twin")
    return twin
