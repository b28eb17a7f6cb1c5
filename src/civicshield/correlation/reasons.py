"""One sentence per link, from the evidence it stores ("both mention example[.]com")."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicshield.correlation.choices import LinkKind
from civicshield.correlation.warninglists import defang


def explain(kind: str, details: dict[str, Any]) -> str:
    if kind == LinkKind.OBSERVABLE:
        items = details.get("observables", [])
        if not items:
            return _("both mention the same value")
        first = defang(items[0]["type"], items[0]["value"])
        more = max(details.get("count", len(items)), len(items)) - 1
        if more:
            return ngettext("both mention %(value)s and %(count)s other value",
                            "both mention %(value)s and %(count)s other values",
                            more) % {"value": first, "count": more}
        return _("both mention %(value)s") % {"value": first}
    if kind == LinkKind.NARRATIVE:
        return _("narratives %(similarity).2f similar") % {
            "similarity": details.get("similarity", 0)}
    if kind == LinkKind.TECHNIQUE:
        values = {"technique": details.get("technique", ""), "days": details.get("days", 0),
                  "phase": details.get("phase", "")}
        if details.get("victim"):
            return _("both use %(technique)s against the same victim within %(days)s days"
                     ) % values
        return _("both use %(technique)s in the phase “%(phase)s” within %(days)s days"
                 ) % values
    return _("linked")
