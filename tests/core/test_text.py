"""NUL characters found, and named, wherever free-form input holds one."""

from __future__ import annotations

from typing import Any

import pytest

from civicshield.core.text import nul_path


@pytest.mark.parametrize(("value", "path"), [
    ("plain", None),
    ({"info": "a\x00b"}, ".info"),
    ({"Tag": [{"name": "ok"}, {"name": "x\x00"}]}, ".Tag[1].name"),
    ({"Attribute": [{"bad\x00key": 1}]}, ".Attribute[0]"),
    (("tuple", ["nested\x00"]), "[1][0]"),
    ({"number": 1, "none": None, "text": "\\u0000 written out, not a NUL"}, None),
])
def test_the_first_nul_is_named_by_its_path(value: Any, path: str | None) -> None:
    assert nul_path(value) == path


def test_input_nested_deeper_than_recursion_allows_is_walked() -> None:
    deep: Any = "\x00"
    for _ in range(5000):
        deep = [deep]
    assert nul_path(deep) == "[0]" * 5000
