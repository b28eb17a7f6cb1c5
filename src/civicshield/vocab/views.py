"""Vocabulary pages: the searchable glossary, each vocabulary with its terms and change log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from civicshield.core.errors import NotFound
from civicshield.vocab import selectors
from civicshield.vocab.choices import Language

PAGE_SIZE = 50


def _lang(request: HttpRequest) -> str:
    lang = request.GET.get("lang") or get_language() or Language.EN
    return lang if lang in Language.values else Language.EN


@login_required
def vocabulary_list(request: HttpRequest) -> HttpResponse:
    vocabularies = selectors.vocabularies_visible_to(request.user)
    return render(request, "vocab/vocabulary_list.html", {"vocabularies": vocabularies})


@login_required
def glossary(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    lang = _lang(request)
    terms = selectors.glossary_visible_to(request.user, q=q, lang=lang)
    page = Paginator(terms, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "vocab/_glossary_results.html" if request.headers.get("HX-Request") else (
        "vocab/glossary.html"
    )
    return render(request, template, {
        "page": page, "q": q, "lang": lang, "languages": Language.choices,
    })


@login_required
def vocabulary_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        vocabulary = selectors.vocabulary_for(request.user, slug)
    except NotFound:
        raise Http404 from None
    q = request.GET.get("q", "").strip()
    include_deprecated = request.GET.get("include_deprecated") == "1"
    terms = selectors.terms_visible_to(
        request.user, vocabularies=[slug], q=q, include_deprecated=include_deprecated,
        lang=_lang(request),
    )
    page = Paginator(terms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "vocab/vocabulary_detail.html", {
        "vocabulary": vocabulary, "page": page, "q": q, "include_deprecated": include_deprecated,
    })


@login_required
def change_log(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        vocabulary = selectors.vocabulary_for(request.user, slug)
    except NotFound:
        raise Http404 from None
    releases = selectors.releases_of(request.user, vocabulary)
    return render(request, "vocab/change_log.html", {
        "vocabulary": vocabulary, "releases": releases,
    })


@login_required
def term_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    try:
        term = selectors.term_for(request.user, slug, code, lang=_lang(request))
    except NotFound:
        raise Http404 from None
    return render(request, "vocab/term_detail.html", {"term": term})
