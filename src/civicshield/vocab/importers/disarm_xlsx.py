"""DISARM frameworks master spreadsheet (DISARM_FRAMEWORKS_MASTER*.xlsx): Red and Blue.

Sheets `phases`, `tactics`, `techniques` (Red) and `countermeasures` (Blue) have a header row
and many empty trailing rows. Column names moved between releases, so cells are read by header.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

from civicshield.vocab.choices import TermKind, VocabularySource
from civicshield.vocab.importers.base import (
    ParsedRelease,
    ParsedTerm,
    check_unique,
    clean,
    invalid,
    plain_from,
)

VOCABULARY = "disarm"
NAME = "DISARM frameworks"
DESCRIPTION = (
    "Influence-operation behaviours (Red framework: phases, tactics, techniques) and the "
    "counters that address them (Blue framework)."
)
ATTRIBUTION = (
    "DISARM Foundation, DISARM frameworks (github.com/DISARMFoundation/DISARMframeworks), "
    "licensed under CC BY-SA 4.0."
)
RED_SCOPES = {"red", "red-phases"}
BLUE_SCOPE = "blue"

_RELEASE_IN_NAME = re.compile(r"_(\d+)_(\d+)\.xlsx$", re.IGNORECASE)
_TECHNIQUE = re.compile(r"\bT\d{4}(?:\.\d{3})?\b")
_TACTIC = re.compile(r"\bTA\d{2}\b")
_ID = re.compile(r"^(P|TA|T|C)\d{2,5}(\.\d{3})?$")
# Notes such as "merged into technique T0003" or "Split from T0001" name a successor.
_MERGED_INTO = re.compile(r"merged into (?:sub)?technique (T\d{4}(?:\.\d{3})?)", re.IGNORECASE)
_SPLIT_FROM = re.compile(r"split from (T\d{4})", re.IGNORECASE)


def _rows(workbook: Any, sheet: str, file_name: str) -> list[dict[str, Any]]:
    if sheet not in workbook.sheetnames:
        raise invalid(file_name, f"has no '{sheet}' sheet: not a DISARM master spreadsheet")
    rows = workbook[sheet].iter_rows(values_only=True)
    header = [clean(cell) for cell in next(rows, ())]
    if "disarm_id" not in header or "name" not in header:
        raise invalid(file_name, f"sheet '{sheet}' has no disarm_id and name columns")
    result = []
    for number, row in enumerate(rows, start=2):
        record = {key: value for key, value in zip(header, row, strict=False) if key}
        if not clean(record.get("disarm_id")):
            continue
        record["_row"] = number
        result.append(record)
    return result


def _note(record: dict[str, Any]) -> str:
    for key, value in record.items():
        if key.startswith("changes"):
            return clean(value)
    return ""


def parse(path: Path, data: bytes, digest: str, label: str = "") -> ParsedRelease:
    import openpyxl  # a large import, needed only here

    file_name = path.name
    try:
        with warnings.catch_warnings():
            # The sheets were exported from Apple Numbers; openpyxl warns about extensions it
            # drops (data validation, conditional formats) that carry no vocabulary content.
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheets = {
                sheet: _rows(workbook, sheet, file_name)
                for sheet in ("phases", "tactics", "techniques", "countermeasures")
            }
            workbook.close()
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise invalid(file_name, f"not a readable .xlsx spreadsheet ({exc})") from None

    terms: list[ParsedTerm] = []
    successors: dict[str, str] = {}
    kinds = {"phases": TermKind.FRAMEWORK_PHASE, "tactics": TermKind.TACTIC}
    for sheet in ("phases", "tactics", "techniques", "countermeasures"):
        for position, record in enumerate(sheets[sheet]):
            code = clean(record["disarm_id"])
            entry = f"{code} (sheet {sheet}, row {record['_row']})"
            if not _ID.match(code):
                raise invalid(file_name, "is not a DISARM id", entry)
            name = clean(record.get("name"))
            if not name:
                raise invalid(file_name, "has no name", entry)
            summary = clean(record.get("summary"))
            note = _note(record)
            extra: dict[str, Any] = {}
            if note:
                extra["change_note"] = note
                merged = _MERGED_INTO.search(note)
                if merged:
                    extra["successor_hint"] = merged.group(1)
                split = _SPLIT_FROM.search(note)
                if split:
                    successors.setdefault(split.group(1), code)
            parent = ""
            if sheet == "techniques":
                kind = TermKind.SUBTECHNIQUE if "." in code else TermKind.TECHNIQUE
                parent = code.split(".")[0] if "." in code else clean(record.get("tactic_id"))
                extra["tactic"] = clean(record.get("tactic_id"))
                scope = "red"
            elif sheet == "countermeasures":
                kind = TermKind.COUNTER
                addressed = _TECHNIQUE.findall(clean(record.get("techniques")))
                extra["techniques"] = sorted(set(addressed))
                tactic = _TACTIC.search(clean(record.get("tactic")))
                extra["tactic"] = tactic.group(0) if tactic else ""
                extra["metatechnique"] = clean(record.get("metatechnique"))
                extra["responsetype"] = clean(record.get("responsetype"))
                scope = BLUE_SCOPE
            else:
                kind = kinds[sheet]
                scope = "red-phases" if sheet == "phases" else "red"
                parent = clean(record.get("phase_id"))
            terms.append(ParsedTerm(
                code=code, name=name, kind=kind, scope=scope,
                plain=plain_from(summary, name), technical=summary, parent_code=parent,
                extra=extra, position=position,
            ))
    check_unique(file_name, (term.code for term in terms))
    if not terms:
        raise invalid(file_name, "holds no DISARM terms")

    match = _RELEASE_IN_NAME.search(file_name)
    release = label or (f"{match.group(1)}.{match.group(2)}" if match else f"master-{digest[:10]}")
    return ParsedRelease(
        vocabulary=VOCABULARY, vocabulary_name=NAME, description=DESCRIPTION,
        source=VocabularySource.DISARM, attribution=ATTRIBUTION, label=release,
        file_name=file_name, digest=digest, terms=terms,
        scopes={*RED_SCOPES, BLUE_SCOPE}, successors=successors,
    )
