"""Importers, one module per source format, and `parse_file` which picks the right one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civicshield.vocab.importers import (
    attack_stix,
    builtin,
    disarm_stix,
    disarm_xlsx,
    misp_galaxy,
    misp_taxonomy,
)
from civicshield.vocab.importers.base import ParsedRelease, digest_of, invalid, load_json

__all__ = ["KINDS", "ParsedRelease", "parse_file"]

# The kinds an operator may ask for (`civicshield import-vocab --kind`).
KINDS = ("built-in", "disarm", "attack", "misp-taxonomy", "misp-galaxy")


def _kind_of(path: Path, data: bytes) -> tuple[str, dict[str, Any] | None]:
    """The kind of the file and, unless it is a workbook, its JSON document."""
    if path.suffix.lower() == ".xlsx":
        return "disarm", None
    document = load_json(path, data)
    if isinstance(document, dict):
        if "civicshield_vocabulary" in document:
            return "built-in", document
        if document.get("type") == "bundle" and isinstance(document.get("objects"), list):
            if disarm_stix.is_disarm(document):
                return "disarm", document
            return "attack", document
        if "namespace" in document and "predicates" in document:
            return "misp-taxonomy", document
        if "values" in document and "uuid" in document and "type" in document:
            return "misp-galaxy", document
    raise invalid(
        path.name,
        "not a vocabulary file Civic Shield knows (expected a DISARM master .xlsx or STIX bundle, "
        "an ATT&CK STIX bundle, a MISP taxonomy or galaxy cluster, or a built-in vocabulary)",
    )


def parse_file(path: Path, *, kind: str = "", label: str = "") -> ParsedRelease:
    """Read and check one source file. Raises ValidationError naming the file and entry.

    `kind`, when given, must match what the file is ("wrong kind" otherwise); `label` names
    the release when the file does not carry a version of its own.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise invalid(path.name, f"cannot be read ({exc.strerror})") from None
    found, document = _kind_of(path, data)
    if kind and kind != found:
        raise invalid(path.name, f"is a {found} file, not a {kind} file")
    digest = digest_of(data)
    if document is None:  # a DISARM workbook
        return disarm_xlsx.parse(path, data, digest, label)
    if found == "built-in":
        return builtin.parse(path, document, digest, label)
    if found == "disarm":
        return disarm_stix.parse(path, document, digest, label)
    if found == "attack":
        return attack_stix.parse(path, document, digest, label)
    if found == "misp-taxonomy":
        return misp_taxonomy.parse(path, document, digest, label)
    return misp_galaxy.parse(path, document, digest, label)
