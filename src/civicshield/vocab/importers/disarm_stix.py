"""DISARM Red framework as a STIX 2.1 bundle (generated_files/DISARM_STIX/DISARM.json).

Custom types (`x-mitre-tactic`) and every kill chain named `mitre-attack`: read as plain
JSON, never through stix2.parse (too slow for an ingest path, see INTEROP-NOTES).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civicshield.vocab.choices import TermKind, VocabularySource
from civicshield.vocab.importers import disarm_xlsx
from civicshield.vocab.importers.base import (
    ParsedRelease,
    ParsedTerm,
    check_unique,
    invalid,
    plain_from,
)


def is_disarm(bundle: dict[str, Any]) -> bool:
    for item in bundle.get("objects", []):
        if not isinstance(item, dict):
            continue
        if item.get("type") == "x-mitre-matrix" and "DISARM" in str(item.get("name", "")):
            return True
        if item.get("type") == "identity" and "DISARM" in str(item.get("name", "")):
            return True
    return False


def external_id(item: dict[str, Any]) -> str:
    for reference in item.get("external_references", []) or []:
        if isinstance(reference, dict) and reference.get("external_id"):
            return str(reference["external_id"])
    return ""


def parse(path: Path, bundle: dict[str, Any], digest: str, label: str = "") -> ParsedRelease:
    file_name = path.name
    objects = [item for item in bundle["objects"] if isinstance(item, dict)]
    tactics = [item for item in objects if item.get("type") == "x-mitre-tactic"]
    techniques = [item for item in objects if item.get("type") == "attack-pattern"]
    if not techniques:
        raise invalid(file_name, "holds no attack-pattern objects: not a DISARM bundle")
    tactic_by_shortname: dict[str, str] = {}
    terms: list[ParsedTerm] = []
    for position, tactic in enumerate(tactics):
        code = external_id(tactic)
        if not code:
            raise invalid(file_name, "has no external_id", str(tactic.get("id")))
        tactic_by_shortname[str(tactic.get("x_mitre_shortname", ""))] = code
        description = str(tactic.get("description", ""))
        terms.append(ParsedTerm(
            code=code, name=str(tactic.get("name", code)), kind=TermKind.TACTIC, scope="red",
            plain=plain_from(description, code), technical=description, position=position,
            extra={"stix_id": tactic.get("id")},
        ))
    for position, technique in enumerate(techniques):
        code = external_id(technique)
        if not code:
            raise invalid(file_name, "has no external_id", str(technique.get("id")))
        phases = [
            phase.get("phase_name", "") for phase in technique.get("kill_chain_phases", []) or []
        ]
        tactic_code = next(
            (tactic_by_shortname[p] for p in phases if p in tactic_by_shortname), "")
        is_sub = bool(technique.get("x_mitre_is_subtechnique")) or "." in code
        description = str(technique.get("description", ""))
        terms.append(ParsedTerm(
            code=code, name=str(technique.get("name", code)),
            kind=TermKind.SUBTECHNIQUE if is_sub else TermKind.TECHNIQUE, scope="red",
            plain=plain_from(description, code), technical=description,
            parent_code=code.split(".")[0] if is_sub else tactic_code,
            deprecated=bool(technique.get("revoked") or technique.get("x_mitre_deprecated")),
            position=position, extra={"stix_id": technique.get("id"), "tactic": tactic_code},
        ))
    check_unique(file_name, (term.code for term in terms))
    matrix = next((item for item in objects if item.get("type") == "x-mitre-matrix"), {})
    release = label or f"stix-{str(matrix.get('modified', ''))[:10] or digest[:10]}"
    return ParsedRelease(
        vocabulary=disarm_xlsx.VOCABULARY, vocabulary_name=disarm_xlsx.NAME,
        description=disarm_xlsx.DESCRIPTION, source=VocabularySource.DISARM,
        attribution=disarm_xlsx.ATTRIBUTION, label=release, file_name=file_name, digest=digest,
        terms=terms, scopes={"red"},
    )
