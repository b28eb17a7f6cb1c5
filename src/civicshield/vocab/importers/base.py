"""What every importer returns: a parsed release, checked before anything is written.

Importers only read and check; `vocab.services.import_release` writes. Every error names
the file and the entry, so an operator can find the line to fix.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

MAX_PLAIN_WORDS = 30


@dataclass
class ParsedTerm:
    code: str
    name: str
    kind: str
    plain: str
    scope: str = ""
    technical: str = ""
    example: str = ""
    synonyms: list[str] = field(default_factory=list)
    matter: str = ""
    parent_code: str = ""
    deprecated: bool = False
    replaced_by_code: str = ""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    position: int = 0

    def fingerprint(self) -> str:
        """A digest of everything the source says about the term: equal digests, no change."""
        content = {key: value for key, value in self.__dict__.items() if key != "position"}
        encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass
class ParsedRelease:
    vocabulary: str
    vocabulary_name: str
    source: str
    label: str
    file_name: str
    digest: str
    terms: list[ParsedTerm]
    # The scopes this file speaks for: terms of these scopes missing from it get deprecated.
    scopes: set[str]
    description: str = ""
    attribution: str = ""
    # Successors the source names for terms it dropped (old code → new code).
    successors: dict[str, str] = field(default_factory=dict)


def invalid(file_name: str, message: str, entry: str = "") -> ValidationError:
    """A ValidationError that names the file and, when known, the entry."""
    where = f"{file_name}, entry {entry}" if entry else file_name
    return ValidationError({"file": [f"{where}: {message}"]})


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_unique(file_name: str, codes: Iterable[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise invalid(file_name, "this id appears more than once", code)
        seen.add(code)


def load_json(path: Path, data: bytes) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid(path.name, f"not valid JSON ({exc})") from None


_CITATION = re.compile(r"\s*\(Citation:[^)]*\)")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def plain_from(text: str, fallback: str) -> str:
    """A short plain definition from a source's description: its first sentence, at most
    MAX_PLAIN_WORDS words. Sources write for specialists; curated vocabularies ship their own."""
    text = _MARKDOWN_LINK.sub(r"\1", _CITATION.sub("", text or "")).strip()
    if not text:
        return fallback
    first = _SENTENCE_END.split(text, maxsplit=1)[0].strip()
    words = first.split()
    if len(words) > MAX_PLAIN_WORDS:
        first = " ".join(words[:MAX_PLAIN_WORDS]).rstrip(",;:") + "…"
    return first


def clean(value: Any) -> str:
    """A spreadsheet cell as tidy text (cells hold numbers, None and stray whitespace)."""
    if value is None:
        return ""
    return re.sub(r"[ \t]+", " ", str(value)).strip()
