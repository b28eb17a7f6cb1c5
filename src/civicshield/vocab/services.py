"""Writes of the shared vocabulary: importing releases.

`import_release` is the one way terms change: one transaction, one audit entry, idempotent
(re-importing what is already there writes nothing), and a checked input (importers raise
ValidationError naming the file and the entry before anything is written).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from civicshield.core import audit
from civicshield.core.errors import ValidationError
from civicshield.vocab.choices import Change
from civicshield.vocab.importers import ParsedRelease, parse_file
from civicshield.vocab.importers.base import ParsedTerm
from civicshield.vocab.models import ChangeLogEntry, Release, Term, TermTranslation, Vocabulary

DATA_DIR = Path(__file__).resolve().parent / "data"
BUILTIN_DIR = DATA_DIR / "builtin"
VENDOR_DIR = DATA_DIR / "vendor"

# Vendored sources loaded into a fresh database after the built-in vocabularies, in this
# order.
VENDORED_SOURCES = (
    "disarm/DISARM_FRAMEWORKS_MASTER.xlsx",
    "misp-galaxy/mitre-attack-pattern.json",
    "misp-galaxy/election-guidelines.json",
    "misp-taxonomies/tlp.json",
    "misp-taxonomies/PAP.json",
    "misp-taxonomies/DFRLab-dichotomies-of-disinformation.json",
    "misp-taxonomies/admiralty-scale.json",
    "misp-taxonomies/estimative-language.json",
    "misp-taxonomies/misinformation-website-label.json",
    "misp-taxonomies/incident-disposition.json",
)

Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    """What an import did. `release` is None when nothing changed (an idempotent re-import)."""

    vocabulary: str
    label: str
    file_name: str
    release: Release | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return self.release is None


_COMPARED_FIELDS = ("name", "kind", "plain", "technical", "example", "matter", "deprecated")


def _differences(term: Term, parsed: ParsedTerm) -> list[str]:
    return [name for name in _COMPARED_FIELDS if getattr(term, name) != getattr(parsed, name)]


def _apply(term: Term, parsed: ParsedTerm, release: Release) -> None:
    for name in ("name", "kind", "scope", "plain", "technical", "example", "synonyms",
                 "matter", "deprecated", "extra", "position"):
        setattr(term, name, getattr(parsed, name))
    term.fingerprint = parsed.fingerprint()
    term.release = release


def import_release(*, actor: Any, parsed: ParsedRelease,
                   progress: Progress | None = None) -> ImportResult:
    """Load one parsed release into its vocabulary.

    New terms are added, changed terms updated, and terms of the scopes the file covers that
    it no longer holds are kept and marked deprecated, with `replaced_by` where the source
    names a successor. Returns what changed; writes nothing when nothing changed. Raises
    ValidationError when the release label was already imported with different content.
    """
    step = progress or (lambda _label, _done, _total: None)
    result = ImportResult(parsed.vocabulary, parsed.label, parsed.file_name, None)
    with transaction.atomic():
        vocabulary = Vocabulary.objects.filter(slug=parsed.vocabulary).first()
        existing: dict[str, Term] = (
            {term.code: term for term in Term.objects.filter(vocabulary=vocabulary)}
            if vocabulary else {}
        )
        incoming = {term.code: term for term in parsed.terms}
        summaries: dict[str, str] = {}
        for code, term_in in incoming.items():
            current = existing.get(code)
            if current is None:
                result.added.append(code)
            elif current.fingerprint != term_in.fingerprint():
                if term_in.deprecated and not current.deprecated:
                    result.deprecated.append(code)
                else:
                    result.changed.append(code)
                summaries[code] = ", ".join(_differences(current, term_in)) or _("details")
        removed = [
            term for code, term in existing.items()
            if code not in incoming and term.scope in parsed.scopes and not term.deprecated
        ]
        result.deprecated += [term.code for term in removed]
        if not (result.added or result.changed or result.deprecated):
            return result
        step(_("checking"), 1, 5)

        if vocabulary is None:
            vocabulary = Vocabulary.objects.create(
                slug=parsed.vocabulary, name=parsed.vocabulary_name, source=parsed.source,
                description=parsed.description, attribution=parsed.attribution,
            )
        else:
            vocabulary.name, vocabulary.description = parsed.vocabulary_name, parsed.description
            vocabulary.attribution = parsed.attribution
        label = parsed.label
        same_label = Release.objects.filter(vocabulary=vocabulary, label=label).first()
        if same_label is not None and same_label.digest == parsed.digest:
            # The same file applied again after another source changed these terms
            # (a DISARM STIX import between two master imports): a new release of it.
            count = Release.objects.filter(vocabulary=vocabulary, label__startswith=label).count()
            label = result.label = f"{label}+{count}"
        elif same_label is not None:
            raise ValidationError({"file": [
                _("%(file)s: release %(label)s of %(vocabulary)s was already imported with "
                  "different content; name this one with --release.")
                % {"file": parsed.file_name, "label": parsed.label, "vocabulary": vocabulary.slug}
            ]})
        release = Release.objects.create(
            vocabulary=vocabulary, label=label, file_name=parsed.file_name,
            digest=parsed.digest, added=len(result.added), changed=len(result.changed),
            deprecated=len(result.deprecated),
        )
        result.release = release

        new_terms = []
        for code in result.added:
            term = Term(vocabulary=vocabulary, code=code)
            _apply(term, incoming[code], release)
            new_terms.append(term)
        Term.objects.bulk_create(new_terms, batch_size=500)
        step(_("adding terms"), 2, 5)

        touched = [existing[code] for code in (*result.changed, *result.deprecated)
                   if code in incoming]
        for term in touched:
            _apply(term, incoming[term.code], release)
        for term in removed:
            term.deprecated, term.release = True, release
        Term.objects.bulk_update(
            [*touched, *removed],
            ["name", "kind", "scope", "plain", "technical", "example", "synonyms", "matter",
             "deprecated", "extra", "position", "fingerprint", "release"],
            batch_size=500,
        )
        step(_("updating terms"), 3, 5)

        _link(vocabulary, parsed, incoming, removed)
        _translate(new_terms, touched, incoming)
        step(_("linking and translating"), 4, 5)

        ids = dict(Term.objects.filter(vocabulary=vocabulary).values_list("code", "id"))
        removed_codes = {term.code for term in removed}
        entries = [
            ChangeLogEntry(release=release, term_id=ids[code], change=Change.ADDED)
            for code in result.added
        ] + [
            ChangeLogEntry(
                release=release, term_id=ids[code],
                change=Change.RESTORED if existing[code].deprecated else Change.CHANGED,
                summary=summaries.get(code, "")[:300],
            )
            for code in result.changed
        ] + [
            ChangeLogEntry(
                release=release, term_id=ids[code], change=Change.DEPRECATED,
                summary=_("no longer in the source") if code in removed_codes
                else _("deprecated by the source"),
            )
            for code in result.deprecated
        ]
        ChangeLogEntry.objects.bulk_create(entries, batch_size=500)
        vocabulary.current_release = release
        vocabulary.save()
        audit.record(
            actor=actor, action="vocab.import_release", target=release,
            details={"vocabulary": vocabulary.slug, "label": release.label,
                     "file": parsed.file_name, "digest": parsed.digest,
                     "added": len(result.added), "changed": len(result.changed),
                     "deprecated": len(result.deprecated)},
        )
        step(_("done"), 5, 5)
    return result


def _link(vocabulary: Vocabulary, parsed: ParsedRelease, incoming: dict[str, ParsedTerm],
          removed: list[Term]) -> None:
    """Set parents and successors by code, now that every term of the release has an id."""
    terms = {term.code: term for term in Term.objects.filter(vocabulary=vocabulary)}
    changed: list[Term] = []

    def usable(code: str) -> Term | None:
        target = terms.get(code)
        return target if target is not None and not target.deprecated else None

    for code, parsed_term in incoming.items():
        term = terms[code]
        parent = terms.get(parsed_term.parent_code) if parsed_term.parent_code else None
        successor = (
            terms.get(parsed_term.replaced_by_code) if parsed_term.replaced_by_code else None
        )
        if term.parent_id != (parent.pk if parent else None) or term.replaced_by_id != (
            successor.pk if successor else None
        ):
            term.parent, term.replaced_by = parent, successor
            changed.append(term)
    for old in removed:
        hint = parsed.successors.get(old.code) or old.extra.get("successor_hint", "")
        successor = usable(hint) if hint else None
        if successor is not None and old.replaced_by_id != successor.pk:
            term = terms[old.code]
            term.replaced_by = successor
            changed.append(term)
    Term.objects.bulk_update(changed, ["parent", "replaced_by"], batch_size=500)


def _translate(new_terms: list[Term], touched: list[Term],
               incoming: dict[str, ParsedTerm]) -> None:
    TermTranslation.objects.filter(term__in=[term.pk for term in touched]).delete()
    TermTranslation.objects.bulk_create([
        TermTranslation(term=term, language=language, name=text["name"], plain=text["plain"])
        for term in (*new_terms, *touched)
        for language, text in incoming[term.code].translations.items()
    ], batch_size=500)


def import_file(*, actor: Any, path: Path, kind: str = "", label: str = "",
                progress: Progress | None = None) -> ImportResult:
    """Parse and import one source file (see `importers.parse_file`)."""
    return import_release(actor=actor, parsed=parse_file(path, kind=kind, label=label),
                          progress=progress)


def builtin_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.json"))


def load_builtin_vocabularies(*, actor: Any, include_sources: bool = True,
                              progress: Progress | None = None) -> list[ImportResult]:
    """Make sure the built-in vocabularies (and, by default, the vendored DISARM, ATT&CK and
    MISP sources) are loaded. Idempotent: running it again writes nothing."""
    paths = builtin_files()
    if include_sources:
        paths += [VENDOR_DIR / name for name in VENDORED_SOURCES]
    return [import_file(actor=actor, path=path, progress=progress) for path in paths]
