"""MITRE ATT&CK as a STIX 2.1 bundle (attack-stix-data: ics-attack-<version>.json and siblings).

Read as plain JSON (stix2.parse is far too slow for 1,800 objects, see INTEROP-NOTES). Keeps
`revoked` and `x_mitre_deprecated`; a revoked object maps to its `revoked-by` target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civicshield.vocab.choices import TermKind, VocabularySource
from civicshield.vocab.importers.base import (
    ParsedRelease,
    ParsedTerm,
    check_unique,
    invalid,
    plain_from,
)

VOCABULARY = "attack"
NAME = "MITRE ATT&CK"
DESCRIPTION = "Cyber-attack tactics, techniques and mitigations (Enterprise, Mobile and ICS)."
ATTRIBUTION = (
    "© The MITRE Corporation. This work is reproduced and distributed with the permission of "
    "The MITRE Corporation (ATT&CK terms of use, see LICENSE.txt)."
)

_KINDS = {
    "x-mitre-tactic": TermKind.TACTIC,
    "attack-pattern": TermKind.TECHNIQUE,
    "course-of-action": TermKind.MITIGATION,
}


def _external_id(item: dict[str, Any]) -> str:
    for reference in item.get("external_references", []) or []:
        if (
            isinstance(reference, dict) and reference.get("external_id")
            and str(reference.get("source_name", "")).startswith("mitre")
        ):
            return str(reference["external_id"])
    return ""


def parse(path: Path, bundle: dict[str, Any], digest: str, label: str = "") -> ParsedRelease:
    file_name = path.name
    objects = [item for item in bundle["objects"] if isinstance(item, dict)]
    wanted = [item for item in objects if item.get("type") in _KINDS]
    if not any(item.get("type") == "attack-pattern" for item in wanted):
        raise invalid(file_name, "holds no attack-pattern objects: not an ATT&CK bundle")
    collection = next((item for item in objects if item.get("type") == "x-mitre-collection"), {})
    domains = next(
        (item.get("x_mitre_domains") for item in wanted if item.get("x_mitre_domains")), None
    ) or ["attack"]
    domain = str(domains[0])

    code_of: dict[str, str] = {}
    for item in wanted:
        code = _external_id(item)
        if not code:
            raise invalid(file_name, "has no ATT&CK external_id", str(item.get("id")))
        code_of[str(item["id"])] = code
    check_unique(file_name, code_of.values())

    parents: dict[str, str] = {}
    revoked_by: dict[str, str] = {}
    for item in objects:
        if item.get("type") != "relationship":
            continue
        source, target = str(item.get("source_ref")), str(item.get("target_ref"))
        if source in code_of and target in code_of:
            if item.get("relationship_type") == "subtechnique-of":
                parents[code_of[source]] = code_of[target]
            elif item.get("relationship_type") == "revoked-by":
                revoked_by[code_of[source]] = code_of[target]

    tactic_by_shortname = {
        str(item.get("x_mitre_shortname")): code_of[str(item["id"])]
        for item in wanted if item.get("type") == "x-mitre-tactic"
    }
    terms: list[ParsedTerm] = []
    for position, item in enumerate(wanted):
        code = code_of[str(item["id"])]
        kind = _KINDS[str(item["type"])]
        tactics = [
            tactic_by_shortname.get(str(phase.get("phase_name")), "")
            for phase in item.get("kill_chain_phases", []) or []
        ]
        if item.get("x_mitre_is_subtechnique"):
            kind = TermKind.SUBTECHNIQUE
        description = str(item.get("description", ""))
        terms.append(ParsedTerm(
            code=code, name=str(item.get("name", code)), kind=kind, scope=domain,
            plain=plain_from(description, str(item.get("name", code))), technical=description,
            parent_code=parents.get(code, ""),
            deprecated=bool(item.get("revoked") or item.get("x_mitre_deprecated")),
            replaced_by_code=revoked_by.get(code, ""), position=position,
            extra={
                "stix_id": item.get("id"), "tactics": [t for t in tactics if t],
                "revoked": bool(item.get("revoked")), "modified": item.get("modified", ""),
                "x_mitre_version": item.get("x_mitre_version", ""),
            },
        ))
    version = str(collection.get("x_mitre_version", "")) or digest[:10]
    return ParsedRelease(
        vocabulary=VOCABULARY, vocabulary_name=NAME, description=DESCRIPTION,
        source=VocabularySource.ATTACK, attribution=ATTRIBUTION,
        label=label or f"{domain}-{version}", file_name=file_name, digest=digest,
        terms=terms, scopes={domain},
    )
