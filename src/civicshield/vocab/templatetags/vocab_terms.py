"""`{% load vocab_terms %}` — `{% term "phases" "voter_registration" %}` or `{% term term %}`.

Renders the term's name as a button with its plain definition one hover, focus or tap away:
the tooltip is revealed by CSS (:hover, :focus-within) and tied to the button with
aria-describedby, so keyboards and screen readers get it too. No inline script or style (CSP).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicshield.core.errors import NotFound, PermissionDenied
from civicshield.vocab import selectors
from civicshield.vocab.models import Term

register = template.Library()


def _viewer(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


def _lookup(context: template.Context, vocabulary: str, code: str, lang: str) -> Term | None:
    # One query per distinct term per page render, however often it appears.
    render_context = context.render_context
    if "vocab_terms" not in render_context:
        render_context["vocab_terms"] = {}
    cache: dict[tuple[str, str, str], Term | None] = render_context["vocab_terms"]
    key = (vocabulary, code, lang)
    if key not in cache:
        try:
            cache[key] = selectors.term_for(_viewer(context), vocabulary, code, lang=lang)
        except (NotFound, PermissionDenied):
            cache[key] = None
    return cache[key]


def render_term(context: template.Context, term: Term) -> SafeString:
    counter = (context.render_context.get("vocab_terms_counter") or 0) + 1
    context.render_context["vocab_terms_counter"] = counter
    tip_id = f"term-tip-{counter}"
    text = selectors.localised(term)
    note = ""
    if term.deprecated:
        successor = term.replaced_by
        note = format_html(
            ' <span class="term-note">{}{}</span>', _("Deprecated."),
            format_html(' {} <a href="{}">{}</a>', _("Use"),
                        reverse("vocab:term", args=[successor.vocabulary.slug, successor.code]),
                        successor.name) if successor else "",
        )
    return format_html(
        '<span class="term{}"><button type="button" class="term-trigger" '
        'aria-describedby="{}" data-term="{}">{}</button>'
        '<span class="term-tip" role="tooltip" id="{}">{}{}</span></span>',
        " term-deprecated" if term.deprecated else "", tip_id, term.code, text.name, tip_id,
        text.plain, note,
    )


@register.simple_tag(takes_context=True)
def term(context: template.Context, vocabulary_or_term: Any, code: str = "",
         lang: str = "") -> SafeString | str:
    """A term with its plain definition on hover or focus; falls back to the bare code when
    the term is unknown or the viewer may not read vocabularies."""
    language = lang or get_language() or "en"
    if isinstance(vocabulary_or_term, Term):
        found: Term | None = vocabulary_or_term
    else:
        found = _lookup(context, str(vocabulary_or_term), code, language)
    if found is None:
        return code
    return render_term(context, found)
