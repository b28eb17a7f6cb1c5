"""Paths and loaders shared by the vocabulary tests."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from civicshield.core.authz import OPERATOR
from civicshield.vocab import services

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

needs_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"the shared real data is not at {SHARED_DATA} (../shared/data from the repo root)",
)


def shared(relative: str) -> Path:
    return SHARED_DATA / relative


def load_builtin() -> None:
    services.load_builtin_vocabularies(actor=OPERATOR, include_sources=False)


def import_path(path: Path, **options: Any) -> services.ImportResult:
    return services.import_file(actor=OPERATOR, path=path, **options)


def sheet_ids(path: Path, sheet: str) -> list[str]:
    """The disarm_id column of a DISARM master sheet, read independently of the importer."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = list(workbook[sheet].iter_rows(values_only=True))
        workbook.close()
    column = list(rows[0]).index("disarm_id")
    return [str(row[column]).strip() for row in rows[1:] if row and row[column]]


def bundle_objects(path: Path, kind: str) -> list[dict[str, Any]]:
    return [item for item in json.loads(path.read_text())["objects"] if item["type"] == kind]
