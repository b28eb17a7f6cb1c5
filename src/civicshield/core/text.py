"""What text the database can hold, checked before anything is written or looked up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def nul_path(value: Any) -> str | None:
    """Where `value` (JSON-like: strings, mappings, lists) first holds a NUL character, as a
    path (".info", ".Tag[1].name"; "" for `value` itself, the holding mapping's path for a
    key), or None. No text column holds one (PostgreSQL refuses it, a 500 if it got there),
    so surfaces that take free-form input refuse it, naming where."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:  # a loop: input may nest deeper than recursion allows
        item, path = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if "\x00" in str(key):
                    return path
                pending.append((child, f"{path}.{key}"))
        elif isinstance(item, list | tuple):
            pending.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
    return None
