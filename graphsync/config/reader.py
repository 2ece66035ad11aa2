"""Reading TOML tables into typed values, with errors that name the file, the key and what was expected.

A `Table` wraps one TOML table and remembers its dotted path. Each accessor marks its key as read;
`Table.done()` then rejects every key nobody asked for, so a typo (``contact_foldr``) is an error
instead of a silently ignored setting.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from graphsync.errors import ConfigError

E = TypeVar("E", bound=Enum)


class _Missing:
    def __repr__(self) -> str:
        return "<required>"


REQUIRED: Any = _Missing()


def _kind(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


class Table:
    """One TOML table being read. ``file`` is shown in errors; ``path`` is the dotted key of the table."""

    def __init__(self, data: Mapping[str, Any], *, file: str | None, path: str = "") -> None:
        self._data = data
        self._file = file
        self._path = path
        self._seen: set[str] = set()

    # ------------------------------------------------------------------ helpers

    @property
    def file(self) -> str | None:
        return self._file

    def key_path(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def error(self, key: str, expected: str, got: object = None) -> ConfigError:
        return ConfigError(file=self._file, key=self.key_path(key), expected=expected, got=got)

    def has(self, key: str) -> bool:
        return key in self._data

    def names(self) -> list[str]:
        return list(self._data)

    def _get(self, key: str, default: Any) -> Any:
        self._seen.add(key)
        if key in self._data:
            return self._data[key]
        if default is REQUIRED:
            raise ConfigError(file=self._file, key=self.key_path(key), expected="this key to be set", got=None)
        return default

    # ------------------------------------------------------------------ scalars

    def text(self, key: str, default: Any = REQUIRED, *, allow_empty: bool = True) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self.error(key, "a string", value)
        if not allow_empty and not value.strip():
            raise self.error(key, "a non-empty string", value)
        return value

    def opt_str(self, key: str) -> str | None:
        value = self._get(key, None)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, "a string", value)
        return value

    def integer(self, key: str, default: Any = REQUIRED, *, min: int | None = None, max: int | None = None) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, "an integer", value)
        if (min is not None and value < min) or (max is not None and value > max):
            lo = "" if min is None else f" >= {min}"
            hi = "" if max is None else f" <= {max}"
            raise self.error(key, f"an integer{lo}{' and' if lo and hi else ''}{hi}", value)
        return value

    def number(self, key: str, default: Any = REQUIRED, *, min: float | None = None, max: float | None = None) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, "a number", value)
        if (min is not None and value < min) or (max is not None and value > max):
            raise self.error(key, f"a number between {min} and {max}", value)
        return float(value)

    def boolean(self, key: str, default: Any = REQUIRED) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "true or false", value)
        return value

    def enum(self, key: str, enum: type[E], default: Any = REQUIRED) -> E:
        value = self._get(key, default)
        if isinstance(value, enum):
            return value
        choices = [str(m.value) for m in enum]
        for member in enum:
            if isinstance(value, str) and value.lower() == str(member.value).lower():
                return member
        raise self.error(key, "one of " + ", ".join(repr(c) for c in choices), value)

    def path(self, key: str, default: Any = REQUIRED, *, base: Path | None = None) -> Path:
        """A file path; relative paths are relative to the config file's folder (``base``)."""
        raw = self.text(key, default, allow_empty=False) if default is REQUIRED or self.has(key) else default
        if isinstance(raw, Path):
            return raw
        p = Path(raw).expanduser()
        if not p.is_absolute() and base is not None:
            p = base / p
        return p

    def str_list(self, key: str, default: Any = REQUIRED) -> tuple[str, ...]:
        value = self._get(key, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "an array of strings", value)
        return tuple(value)

    # ------------------------------------------------------------------ nesting

    def table(self, key: str, *, required: bool = False) -> Table:
        value = self._get(key, REQUIRED if required else {})
        if not isinstance(value, Mapping):
            raise self.error(key, "a table", value)
        return Table(value, file=self._file, path=self.key_path(key))

    def tables(self, key: str) -> Iterator[tuple[str, Table]]:
        """A table of tables (``[entities.CONT_COMP]``...): (name, table) pairs."""
        outer = self.table(key)
        for name in outer.names():
            yield name, outer.table(name, required=True)
        outer.done()

    def array_of_tables(self, key: str) -> list[Table]:
        value = self._get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.error(key, "an array of tables", value)
        return [Table(v, file=self._file, path=f"{self.key_path(key)}[{i}]") for i, v in enumerate(value)]

    def raw(self, key: str, default: Any = REQUIRED) -> Any:
        return self._get(key, default)

    def done(self) -> None:
        """Reject any key that was not read: unknown keys are typos until proven otherwise."""
        unknown = [k for k in self._data if k not in self._seen]
        if unknown:
            key = unknown[0]
            known = sorted(self._seen)
            raise ConfigError(
                file=self._file,
                key=self.key_path(key),
                expected="a known key" + (f" (one of: {', '.join(known)})" if known else " (this table takes none)"),
                got=self._data[key] if not isinstance(self._data[key], Mapping) else "a table",
            )
