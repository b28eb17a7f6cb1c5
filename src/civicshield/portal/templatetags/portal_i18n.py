"""`{% load portal_i18n %}{% language_links as links %}` — the same page in each language.

Plain links (no JavaScript, no form): on the portal, /notices/ ↔ /fr/notices/ ↔
/es/notices/. On pages whose address is not translated (the workspace), there is no
list, and the switch is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

register = template.Library()


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    url: str
    current: bool


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[LanguageLink]:
    request = context.get("request")
    if request is None:
        return []
    path = request.get_full_path()
    current = get_language() or settings.LANGUAGE_CODE
    links = [LanguageLink(code, str(name), translate_url(path, code), code == current)
             for code, name in settings.LANGUAGES]
    if len({link.url for link in links}) < len(links):
        return []  # not a translated address
    return links
