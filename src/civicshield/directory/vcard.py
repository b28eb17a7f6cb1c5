"""vCard 4.0 (RFC 6350) for one point of contact.

A small writer rather than a library: a single card needs a handful of properties, and
the two rules that matter — escaping (§3.4) and line folding (§3.2) — fit in a few
lines, so the platform carries no extra dependency for it.
"""

from __future__ import annotations

from datetime import UTC

from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicshield.directory.models import Contact

_FOLD_AT = 75  # octets per line, the CRLF excluded (RFC 6350 §3.2)


def escape(value: str) -> str:
    """Escape a text value: backslash, comma, semicolon and newline (RFC 6350 §3.4)."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into CRLF-joined lines of at most 75 octets (RFC 6350 §3.2).

    Continuation lines start with one space, and a UTF-8 sequence is never split.
    """
    pieces: list[str] = []
    current, size, limit = "", 0, _FOLD_AT
    for character in line:
        width = len(character.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            # The leading space of a continuation line counts towards its 75 octets.
            current, size, limit = " ", 1, _FOLD_AT
        current += character
        size += width
    pieces.append(current)
    return "\r\n".join(pieces)


def _structured(*components: str) -> str:
    """A structured value (N, ORG): components escaped, then joined by semicolons."""
    return ";".join(escape(component) for component in components)


def _split_name(full_name: str) -> tuple[str, str]:
    """(family, given): the last word is taken as the family name, as most address books do."""
    words = full_name.split()
    if len(words) < 2:
        return full_name.strip(), ""
    return words[-1], " ".join(words[:-1])


def note_for(contact: Contact) -> str:
    lines = [
        _("Escalation level: %(level)s") % {"level": contact.get_escalation_level_display()},
        _("Availability: %(availability)s (%(timezone)s)")
        % {"availability": contact.get_availability_display(), "timezone": contact.timezone},
    ]
    if contact.escalates_to is not None:
        lines.append(_("Escalates to: %(name)s") % {"name": contact.escalates_to.name})
    if contact.topics:
        lines.append(_("Topics: %(topics)s") % {"topics": ", ".join(contact.topics)})
    if contact.phases:
        lines.append(_("Phases: %(phases)s") % {"phases": ", ".join(contact.phases)})
    if contact.languages:
        lines.append(_("Languages: %(languages)s") % {"languages": ", ".join(contact.languages)})
    if contact.secure_channel:
        lines.append(_("Secure channel: %(channel)s") % {"channel": contact.secure_channel})
    return "\n".join(lines)


def contact_vcard(contact: Contact) -> str:
    """The contact as a vCard 4.0 text, CRLF line endings, folded at 75 octets."""
    family, given = _split_name(contact.name)
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "KIND:individual",
        f"FN:{escape(contact.name)}",
        f"N:{_structured(family, given, '', '', '')}",
        f"ORG:{_structured(contact.organisation.name)}",
    ]
    if contact.role_title:
        lines.append(f"TITLE:{escape(contact.role_title)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=work:{escape(contact.email)}")
    if contact.phone:
        # Phones are stored in E.164, which is a valid tel: URI as it stands.
        lines.append(f"TEL;VALUE=uri;TYPE=work,voice:tel:{contact.phone}")
    if contact.languages:
        lines.extend(
            f"LANG;PREF={rank}:{language}"
            for rank, language in enumerate(contact.languages[:100], start=1)
        )
    lines.append(f"TZ;VALUE=text:{escape(contact.timezone)}")
    lines.append(f"NOTE:{escape(note_for(contact))}")
    lines.append(f"UID:urn:civicshield:contact:{contact.pk}")
    lines.append(f"REV:{contact.updated_at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def filename_for(contact: Contact) -> str:
    return f"{slugify(contact.name) or 'contact'}.vcf"
