"""A base for small value classes, written out by hand rather than with @dataclass: each
dataclass costs about a millisecond to create at import, which a cold start pays for."""

from __future__ import annotations


class Record:
    """Equality and repr from `__slots__`; subclasses write their own `__init__`."""

    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    __hash__ = None  # type: ignore[assignment]
