"""Imports of the real DISARM and ATT&CK data, with counts taken from the source files."""

from __future__ import annotations

import json
import re

from civicshield.core.models import AuditEntry
from civicshield.vocab.choices import Change, TermKind
from civicshield.vocab.models import ChangeLogEntry, Release, Term, TermTranslation
from tests.vocab.helpers import (
    bundle_objects,
    import_path,
    needs_shared_data,
    shared,
    sheet_ids,
)

pytestmark = needs_shared_data

MASTER = "disarm/DISARM_FRAMEWORKS_MASTER.xlsx"
MASTER_0_1 = "disarm/DISARM_FRAMEWORKS_MASTER_0_1.xlsx"


def _state() -> tuple[int, ...]:
    return (Term.objects.count(), Release.objects.count(), ChangeLogEntry.objects.count(),
            TermTranslation.objects.count(), AuditEntry.objects.count())


def _disarm(kind: str | tuple[str, ...], **filters: object) -> int:
    kinds = (kind,) if isinstance(kind, str) else kind
    return Term.objects.filter(vocabulary__slug="disarm", kind__in=kinds, **filters).count()


def test_disarm_master_import_holds_every_red_and_blue_term_of_the_spreadsheet() -> None:
    path = shared(MASTER)
    result = import_path(path)

    techniques = sheet_ids(path, "techniques")
    assert _disarm((TermKind.TECHNIQUE, TermKind.SUBTECHNIQUE)) == len(techniques)
    assert _disarm(TermKind.SUBTECHNIQUE) == len([code for code in techniques if "." in code])
    assert _disarm(TermKind.TACTIC) == len(sheet_ids(path, "tactics"))
    assert _disarm(TermKind.FRAMEWORK_PHASE) == len(sheet_ids(path, "phases"))
    assert _disarm(TermKind.COUNTER) == len(sheet_ids(path, "countermeasures"))
    assert len(result.added) == Term.objects.filter(vocabulary__slug="disarm").count()
    t0086 = Term.objects.get(vocabulary__slug="disarm", code="T0086")
    assert t0086.parent is not None and t0086.parent.kind == TermKind.TACTIC
    counter = Term.objects.get(vocabulary__slug="disarm", code="C00008")
    assert counter.extra["techniques"], "a counter lists the techniques it addresses"
    assert AuditEntry.objects.filter(action="vocab.import_release").count() == 1


def test_reimporting_the_same_disarm_release_changes_nothing() -> None:
    import_path(shared(MASTER))
    before = _state()

    again = import_path(shared(MASTER))

    assert again.unchanged
    assert _state() == before


def test_upgrading_disarm_from_0_1_keeps_removed_terms_deprecated_and_mapped() -> None:
    old_path, new_path = shared(MASTER_0_1), shared(MASTER)
    first = import_path(old_path)
    assert first.label == "0.1"
    old_ids = {sheet: set(sheet_ids(old_path, sheet)) for sheet in ("tactics", "techniques")}
    new_ids = {sheet: set(sheet_ids(new_path, sheet)) for sheet in ("tactics", "techniques")}

    upgrade = import_path(new_path)

    removed = (old_ids["tactics"] - new_ids["tactics"]) | (
        old_ids["techniques"] - new_ids["techniques"])
    added = (new_ids["tactics"] - old_ids["tactics"]) | (
        new_ids["techniques"] - old_ids["techniques"])
    assert removed and set(upgrade.deprecated) >= removed
    assert set(upgrade.added) >= added
    assert set(Term.objects.filter(vocabulary__slug="disarm", deprecated=True)
               .values_list("code", flat=True)) == removed
    # The master says which techniques were split from T0001: T0001 maps to one of them.
    t0001 = Term.objects.select_related("replaced_by").get(
        vocabulary__slug="disarm", code="T0001")
    assert t0001.deprecated
    assert t0001.replaced_by is not None and not t0001.replaced_by.deprecated
    # Release 0.1's own notes ("merged into technique T0003") are honoured too.
    merged = [term for term in Term.objects.filter(vocabulary__slug="disarm", deprecated=True)
              if re.search(r"merged into technique T\d{4}", term.extra.get("change_note", ""),
                           re.IGNORECASE)]
    assert merged, "release 0.1 notes some merges"
    for term in merged:
        target = re.search(r"(T\d{4})", term.extra["change_note"]).group(1)
        if target in new_ids["techniques"]:
            assert term.replaced_by is not None and term.replaced_by.code == target
    # The change log says what the release added, changed and deprecated.
    release = Release.objects.get(vocabulary__slug="disarm", label=upgrade.label)
    assert release.changes.filter(change=Change.DEPRECATED).count() == len(upgrade.deprecated)
    assert release.changes.filter(change=Change.ADDED).count() == len(upgrade.added)
    renamed = Term.objects.get(vocabulary__slug="disarm", code="TA01")
    assert renamed.name == "Plan Strategy" and renamed.release == release
    assert import_path(new_path).unchanged


def test_disarm_stix_bundle_imports_the_red_framework() -> None:
    path = shared("disarm/DISARM.json")
    patterns = bundle_objects(path, "attack-pattern")
    tactics = bundle_objects(path, "x-mitre-tactic")

    import_path(path)

    assert _disarm((TermKind.TECHNIQUE, TermKind.SUBTECHNIQUE)) == len(patterns)
    assert _disarm(TermKind.SUBTECHNIQUE) == len(
        [item for item in patterns if item.get("x_mitre_is_subtechnique")])
    assert _disarm(TermKind.TACTIC) == len(tactics)
    subtechnique = Term.objects.filter(
        vocabulary__slug="disarm", kind=TermKind.SUBTECHNIQUE).first()
    assert subtechnique.parent.code == subtechnique.code.split(".")[0]


def _attack_content(path: object) -> dict[str, tuple]:
    """What the ATT&CK importer reads of each tactic, technique and mitigation, by external id."""
    bundle = json.loads(path.read_text())  # type: ignore[attr-defined]
    result = {}
    for item in bundle["objects"]:
        if item["type"] not in ("attack-pattern", "x-mitre-tactic", "course-of-action"):
            continue
        code = next(ref["external_id"] for ref in item["external_references"]
                    if ref.get("source_name", "").startswith("mitre") and ref.get("external_id"))
        result[code] = (item.get("name"), item.get("description"), bool(item.get("revoked")),
                        bool(item.get("x_mitre_deprecated")), item.get("modified"),
                        item.get("x_mitre_version"), json.dumps(item.get("kill_chain_phases")))
    return result


def test_upgrading_attack_for_ics_from_17_1_to_18_1() -> None:
    old_path = shared("attack/ics-attack-17.1.json")
    new_path = shared("attack/ics-attack-18.1.json")
    old, new = _attack_content(old_path), _attack_content(new_path)

    first = import_path(old_path)
    assert first.label == "ics-attack-17.1"
    assert Term.objects.filter(vocabulary__slug="attack").count() == len(old)
    patterns = bundle_objects(old_path, "attack-pattern")
    assert Term.objects.filter(
        vocabulary__slug="attack", kind__in=(TermKind.TECHNIQUE, TermKind.SUBTECHNIQUE)
    ).count() == len(patterns)
    assert Term.objects.filter(vocabulary__slug="attack", deprecated=True).count() == len(
        [item for item in patterns if item.get("revoked") or item.get("x_mitre_deprecated")])

    upgrade = import_path(new_path)

    assert upgrade.label == "ics-attack-18.1"
    assert set(upgrade.added) == set(new) - set(old)
    assert set(upgrade.changed) | set(upgrade.deprecated) == {
        code for code in set(new) & set(old) if new[code] != old[code]}
    assert Term.objects.filter(vocabulary__slug="attack").count() == len(set(old) | set(new))
    before = _state()
    assert import_path(new_path).unchanged
    assert _state() == before


def test_attack_galaxy_maps_revoked_techniques_to_their_successors() -> None:
    path = shared("misp-galaxy/clusters/mitre-attack-pattern.json")
    values = json.loads(path.read_text())["values"]

    import_path(path)

    galaxy_terms = Term.objects.filter(vocabulary__slug="attack", scope="misp-galaxy")
    assert galaxy_terms.count() == len(values)
    phishing = Term.objects.get(vocabulary__slug="attack", code="T1566")
    assert phishing.name == "Phishing" and not phishing.deprecated
    revoked = [value for value in values if value.get("revoked")]
    mapped = Term.objects.filter(vocabulary__slug="attack", extra__revoked=True,
                                 replaced_by__isnull=False).count()
    assert mapped == len([value for value in revoked if any(
        related.get("type") == "revoked-by" for related in value.get("related", []))])


def test_election_guidelines_threats_map_to_our_electoral_phases() -> None:
    path = shared("misp-galaxy/clusters/election-guidelines.json")
    values = json.loads(path.read_text())["values"]

    import_path(path)

    threats = Term.objects.filter(vocabulary__slug="election-threats")
    assert threats.count() == len(values)
    assert all(threat.extra["phases"] for threat in threats)
    registration = threats.get(name="Tampering with registrations")
    assert "party_candidate_registration" in registration.extra["phases"]
