"""MISP galaxy clusters: the ATT&CK technique list (mitre-attack-pattern) and the
election-technology threat catalogue (election-guidelines), mapped to our electoral phases."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from civicshield.vocab.choices import ElectoralPhase, TermKind, VocabularySource
from civicshield.vocab.importers import attack_stix
from civicshield.vocab.importers.base import (
    ParsedRelease,
    ParsedTerm,
    check_unique,
    invalid,
    plain_from,
)

ELECTION_THREATS = "election-threats"
_NAME_SUFFIX = re.compile(r"\s+-\s+(T\d{4}(?:\.\d{3})?)$")
_DEPRECATED = re.compile(r"^\s*(this (object|technique) is deprecated|\(?deprecated)", re.I)

# The NIS Cooperation Group compendium's phases ("setup", "campaign", "voting", ...) in the
# words of our electoral cycle. "all-phases" threats concern every phase.
ELECTION_GUIDELINE_PHASES: dict[str, list[str]] = {
    "setup": [ElectoralPhase.VOTER_REGISTRATION, ElectoralPhase.CANDIDATE_REGISTRATION],
    "campaign": [ElectoralPhase.CAMPAIGN],
    "campaign/public-communication": [ElectoralPhase.CAMPAIGN, ElectoralPhase.RESULTS],
    "voting": [ElectoralPhase.VOTING, ElectoralPhase.RESULTS],
    "all-phases": list(ElectoralPhase.values),
}


def _values(path: Path, cluster: dict[str, Any]) -> list[dict[str, Any]]:
    values = cluster.get("values")
    if not isinstance(values, list):
        raise invalid(path.name, "has no list of values: not a MISP galaxy cluster")
    for index, value in enumerate(values):
        if not isinstance(value, dict) or not value.get("value") or not value.get("uuid"):
            raise invalid(path.name, "has no value or uuid", f"#{index + 1}")
    return values


def _attack(path: Path, cluster: dict[str, Any], digest: str, label: str) -> ParsedRelease:
    values = _values(path, cluster)
    code_by_uuid: dict[str, str] = {}
    for value in values:
        code = str((value.get("meta") or {}).get("external_id", ""))
        if not code:
            raise invalid(path.name, "has no meta.external_id", str(value["value"]))
        code_by_uuid[str(value["uuid"])] = code
    check_unique(path.name, code_by_uuid.values())
    terms: list[ParsedTerm] = []
    for position, value in enumerate(values):
        code = code_by_uuid[str(value["uuid"])]
        related = value.get("related") or []
        parent = next((code_by_uuid.get(str(r.get("dest-uuid")), "") for r in related
                       if r.get("type") == "subtechnique-of"), "")
        successor = next((code_by_uuid.get(str(r.get("dest-uuid")), "") for r in related
                          if r.get("type") == "revoked-by"), "")
        description = str(value.get("description", ""))
        name = _NAME_SUFFIX.sub("", str(value["value"]))
        kill_chain = (value.get("meta") or {}).get("kill_chain") or []
        terms.append(ParsedTerm(
            code=code, name=name,
            kind=TermKind.SUBTECHNIQUE if "." in code else TermKind.TECHNIQUE, scope="misp-galaxy",
            plain=plain_from(description, name), technical=description, parent_code=parent,
            deprecated=bool(value.get("revoked")) or bool(_DEPRECATED.match(description)),
            replaced_by_code=successor, position=position,
            extra={"misp_uuid": value["uuid"], "kill_chain": kill_chain,
                   "revoked": bool(value.get("revoked"))},
        ))
    return ParsedRelease(
        vocabulary=attack_stix.VOCABULARY, vocabulary_name=attack_stix.NAME,
        description=attack_stix.DESCRIPTION, source=VocabularySource.ATTACK,
        attribution=attack_stix.ATTRIBUTION + " Technique list via the MISP galaxy (CC0/BSD).",
        label=label or f"misp-galaxy-{cluster.get('version', digest[:10])}",
        file_name=path.name, digest=digest, terms=terms, scopes={"misp-galaxy"},
    )


def _election_guidelines(path: Path, cluster: dict[str, Any], digest: str,
                         label: str) -> ParsedRelease:
    values = _values(path, cluster)
    terms: list[ParsedTerm] = []
    for position, value in enumerate(values):
        phases: list[str] = []
        assets: list[str] = []
        source_phases: list[str] = []
        for chain in (value.get("meta") or {}).get("kill_chain") or []:
            _, _, rest = str(chain).partition(":")
            source_phase, _, asset = (part.strip() for part in rest.partition("|"))
            if source_phase not in ELECTION_GUIDELINE_PHASES:
                raise invalid(path.name, f"unknown phase '{source_phase}'", str(value["value"]))
            source_phases.append(source_phase)
            phases += [p for p in ELECTION_GUIDELINE_PHASES[source_phase] if p not in phases]
            if asset and asset not in assets:
                assets.append(asset)
        description = str(value.get("description") or value["value"])
        terms.append(ParsedTerm(
            # The catalogue has no ids of its own: the MISP uuid is the stable code.
            code=str(value["uuid"]), name=str(value["value"]), kind=TermKind.THREAT,
            scope="election-guidelines", plain=plain_from(description, str(value["value"])),
            technical=description, position=position,
            extra={"phases": phases, "assets": assets, "source_phases": source_phases,
                   "refs": (value.get("meta") or {}).get("refs", [])},
        ))
    check_unique(path.name, (term.code for term in terms))
    return ParsedRelease(
        vocabulary=ELECTION_THREATS, vocabulary_name="Election-technology threats",
        description=str(cluster.get("description", "")), source=VocabularySource.MISP_GALAXY,
        attribution="NIS Cooperation Group, compendium on cyber security of election technology "
        "(2018), via the MISP galaxy election-guidelines (CC0 1.0 or BSD 2-clause).",
        label=label or str(cluster.get("version", digest[:10])), file_name=path.name,
        digest=digest, terms=terms, scopes={"election-guidelines"},
    )


def parse(path: Path, cluster: dict[str, Any], digest: str, label: str = "") -> ParsedRelease:
    galaxy_type = str(cluster.get("type", ""))
    name = str(cluster.get("name", ""))
    if galaxy_type == "mitre-attack-pattern":
        return _attack(path, cluster, digest, label)
    if galaxy_type == "guidelines" and name.lower().startswith("election"):
        return _election_guidelines(path, cluster, digest, label)
    raise invalid(
        path.name, f"is a MISP galaxy of type '{galaxy_type}', which Civic Shield does not import "
        "(known: mitre-attack-pattern, election guidelines)",
    )
