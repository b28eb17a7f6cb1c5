"""MISP taxonomies (machinetag.json): each becomes a tag vocabulary `misp-<namespace>`.

Codes are the machine tags themselves (`tlp:amber`, `admiralty-scale:source-reliability="a"`),
so a MISP event's tags resolve as they are. TLP 1.0's `white` is kept, deprecated, and mapped
to `clear`, its TLP 2.0 successor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.text import slugify

from civicshield.vocab.choices import TermKind, VocabularySource
from civicshield.vocab.importers.base import (
    ParsedRelease,
    ParsedTerm,
    check_unique,
    invalid,
    plain_from,
)

# TLP 1.0 WHITE became CLEAR in TLP 2.0; PAP followed the same renaming.
_RENAMED = {"white": "clear"}


def _text(item: dict[str, Any]) -> tuple[str, str]:
    expanded = str(item.get("expanded") or item.get("value"))
    description = str(item.get("description") or "")
    return expanded, description or expanded


def parse(path: Path, taxonomy: dict[str, Any], digest: str, label: str = "") -> ParsedRelease:
    namespace = str(taxonomy.get("namespace", "")).strip()
    predicates = taxonomy.get("predicates")
    if not namespace or not isinstance(predicates, list):
        raise invalid(path.name, "has no namespace or predicates: not a MISP taxonomy")
    entries_by_predicate: dict[str, list[dict[str, Any]]] = {}
    for group in taxonomy.get("values") or []:
        if not isinstance(group, dict) or not group.get("predicate"):
            raise invalid(path.name, "a values group has no predicate")
        entries = group.get("entry") or []
        entries_by_predicate.setdefault(str(group["predicate"]), []).extend(entries)

    terms: list[ParsedTerm] = []
    position = 0
    for predicate in predicates:
        if not isinstance(predicate, dict) or not predicate.get("value"):
            raise invalid(path.name, "a predicate has no value", f"#{position + 1}")
        predicate_value = str(predicate["value"])
        predicate_code = f"{namespace}:{predicate_value}"
        entries = entries_by_predicate.get(predicate_value, [])
        name, description = _text(predicate)
        terms.append(ParsedTerm(
            code=predicate_code, name=name,
            kind=TermKind.PREDICATE if entries else TermKind.TAG, scope="taxonomy",
            plain=plain_from(description, name), technical=description, position=position,
            extra={"colour": predicate.get("colour", ""), "numerical_value":
                   predicate.get("numerical_value")},
        ))
        position += 1
        for entry in entries:
            if not isinstance(entry, dict) or not entry.get("value"):
                raise invalid(path.name, "an entry has no value", predicate_code)
            name, description = _text(entry)
            terms.append(ParsedTerm(
                code=f'{predicate_code}="{entry["value"]}"', name=name, kind=TermKind.TAG,
                scope="taxonomy", plain=plain_from(description, name), technical=description,
                parent_code=predicate_code, position=position,
                extra={"colour": entry.get("colour", ""),
                       "numerical_value": entry.get("numerical_value")},
            ))
            position += 1
    check_unique(path.name, (term.code for term in terms))
    codes = {term.code.lower(): term.code for term in terms}
    for term in terms:
        _, _, value = term.code.partition(":")
        successor = _RENAMED.get(value.lower())
        if successor and f"{namespace}:{successor}".lower() in codes:
            term.deprecated = True
            term.replaced_by_code = codes[f"{namespace}:{successor}".lower()]
    return ParsedRelease(
        vocabulary=f"misp-{slugify(namespace)}",
        vocabulary_name=f"MISP taxonomy: {taxonomy.get('expanded') or namespace}",
        description=str(taxonomy.get("description", "")), source=VocabularySource.MISP_TAXONOMY,
        attribution="MISP taxonomies (github.com/MISP/misp-taxonomies), CC0 1.0 or BSD 2-clause.",
        label=label or str(taxonomy.get("version", digest[:10])), file_name=path.name,
        digest=digest, terms=terms, scopes={"taxonomy"},
    )
