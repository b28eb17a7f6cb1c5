"""Coordinator pages for public notices (/app/comms/): draft, check, approve, publish,
correct and retract; and the public methods and toolkit articles.

Thin: selectors to read, services to write, `authz.can` for buttons. A service's
ValidationError becomes form errors, PermissionDenied the 403 page, NotFound a 404.
The plain-language check is live while drafting (htmx posts the draft to `check` on
input) and also a plain "Check" button, so the page works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicshield.comms import selectors, services
from civicshield.comms.forms import (
    ApproveForm,
    ArticleForm,
    CorrectionForm,
    NoticeForm,
    NoticeTextForm,
    RetractForm,
)
from civicshield.comms.models import Notice
from civicshield.comms.plain_language import CheckResult
from civicshield.core import authz
from civicshield.core.errors import Conflict, NotFound
from civicshield.vocab.choices import Language

LANGUAGES = list(Language.values)


def _require(request: HttpRequest, action: str, resource: Any = None) -> None:
    if not authz.can(request.user, action, resource):
        raise PermissionDenied


def _notice_or_404(request: HttpRequest, slug: str) -> Notice:
    _require(request, "notice:draft")
    try:
        return selectors.notice_for_workspace(request.user, slug)
    except NotFound:
        raise Http404(_("No such notice.")) from None


def _text_forms(data: Any = None, initial: Mapping[str, Mapping[str, str]] | None = None,
                ) -> dict[str, NoticeTextForm]:
    return {language: NoticeTextForm(data, prefix=language,
                                     initial=(initial or {}).get(language))
            for language in LANGUAGES}


def _words(forms: Mapping[str, NoticeTextForm]) -> dict[str, dict[str, str]]:
    return {language: form.words() for language, form in forms.items()}


def _checks(request: HttpRequest, words: Mapping[str, Mapping[str, str]]
            ) -> dict[str, CheckResult]:
    return {language: selectors.check_text(request.user, dict(fields), language)
            for language, fields in words.items() if any(value.strip()
                                                         for value in fields.values())}


def _apply(error: ValidationError, form: Any, text_forms: Mapping[str, NoticeTextForm]) -> None:
    """Put a service's errors on the field they name ("fr.headline" → the French form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages_ in error.message_dict.items():
        language, _dot, field = name.partition(".")
        if field and language in text_forms and field in text_forms[language].fields:
            text_forms[language].add_error(field, messages_)
        elif name in form.fields:
            form.add_error(name, messages_)
        else:
            form.add_error(None, messages_)


def _texts_of(notice: Notice) -> dict[str, dict[str, str]]:
    version = notice.current_version
    return {text.language: text.fields() for text in version.texts.all()} if version else {}


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    _require(request, "notice:draft")
    notices = list(selectors.notices_for_workspace(request.user))
    for notice in notices:
        # For the template: the text to show in the list.
        notice.text = selectors.text_in(  # type: ignore[attr-defined]
            notice.current_version, notice.original_language)
    return render(request, "comms/notice_list.html", {"notices": notices})


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    _require(request, "notice:draft")
    articles = selectors.toolkit_and_method_articles()
    form = NoticeForm(request.POST or None, articles=articles)
    text_forms = _text_forms(request.POST or None)
    checks: dict[str, CheckResult] = {}
    if request.method == "POST":
        checks = _checks(request, _words(text_forms))
        if request.POST.get("action") != "check" and form.is_valid() and all(
                text_form.is_valid() for text_form in text_forms.values()):
            language = form.cleaned_data["original_language"]
            words = _words(text_forms)
            original = words.pop(language)
            try:
                notice = services.create_notice_draft(
                    actor=request.user, language=language, translations=words,
                    slug=form.cleaned_data["slug"],
                    decision_reference=form.cleaned_data["decision_reference"],
                    articles=form.cleaned_data["articles"], **original)
            except Conflict as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
            except ValidationError as error:
                _apply(error, form, text_forms)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("comms:notice", slug=notice.slug)
    return render(request, "comms/notice_form.html", {
        "form": form, "text_forms": text_forms, "checks": checks, "notice": None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, slug: str) -> HttpResponse:
    notice = _notice_or_404(request, slug)
    articles = selectors.toolkit_and_method_articles()
    initial = {"slug": notice.slug, "original_language": notice.original_language,
               "decision_reference": notice.decision_reference,
               "articles": list(notice.articles.all())}
    form = NoticeForm(request.POST or None, articles=articles, initial=initial)
    form.fields["slug"].disabled = True
    text_forms = _text_forms(request.POST or None, initial=_texts_of(notice))
    checks = _checks(request, _words(text_forms) if request.method == "POST"
                     else _texts_of(notice))
    if request.method == "POST" and request.POST.get("action") != "check" and form.is_valid():
        try:
            services.update_notice_draft(
                actor=request.user, notice=notice, texts=_words(text_forms),
                original_language=form.cleaned_data["original_language"],
                decision_reference=form.cleaned_data["decision_reference"],
                articles=form.cleaned_data["articles"])
        except ValidationError as error:
            _apply(error, form, text_forms)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("comms:notice", slug=notice.slug)
    return render(request, "comms/notice_form.html", {
        "form": form, "text_forms": text_forms, "checks": checks, "notice": notice,
    })


@login_required
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    """The live check: the draft's words in, the check's findings out, as a fragment."""
    _require(request, "notice:draft")
    checks = _checks(request, _words(_text_forms(request.POST)))
    return render(request, "comms/_check.html", {"checks": checks})


def _detail(request: HttpRequest, notice: Notice, *, approve_form: ApproveForm | None = None,
            retract_form: RetractForm | None = None, status: int = 200) -> HttpResponse:
    versions = selectors.versions_of(notice)
    for version in versions:
        # For the template: the text to show for each version.
        version.text = selectors.text_in(  # type: ignore[attr-defined]
            version, notice.original_language)
    return render(request, "comms/notice_detail.html", {
        "notice": notice, "versions": versions,
        "texts": list(notice.current_version.texts.all()) if notice.current_version else [],
        "checks": selectors.check_version(request.user, notice.current_version),
        "approve_form": approve_form or ApproveForm(
            initial={"decision_reference": notice.decision_reference}),
        "retract_form": retract_form or RetractForm(),
        "can_approve": authz.can(request.user, "notice:approve", notice),
        "can_publish": authz.can(request.user, "notice:publish", notice),
        "can_correct": authz.can(request.user, "notice:correct", notice),
        "can_retract": authz.can(request.user, "notice:retract", notice),
    }, status=status)


@login_required
def notice_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _detail(request, _notice_or_404(request, slug))


@login_required
@require_POST
def notice_approve(request: HttpRequest, slug: str) -> HttpResponse:
    notice = _notice_or_404(request, slug)
    _require(request, "notice:approve", notice)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.approve_notice(actor=request.user, notice=notice,
                                    decision_reference=form.cleaned_data["decision_reference"],
                                    justification=form.cleaned_data["justification"])
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Notice approved."))
            return redirect("comms:notice", slug=notice.slug)
    return _detail(request, notice, approve_form=form, status=400)


@login_required
@require_POST
def notice_publish(request: HttpRequest, slug: str) -> HttpResponse:
    notice = _notice_or_404(request, slug)
    _require(request, "notice:publish", notice)
    try:
        services.publish_notice(actor=request.user, notice=notice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Notice published."))
    return redirect("comms:notice", slug=notice.slug)


@login_required
@require_POST
def notice_retract(request: HttpRequest, slug: str) -> HttpResponse:
    notice = _notice_or_404(request, slug)
    _require(request, "notice:retract", notice)
    form = RetractForm(request.POST)
    if form.is_valid():
        try:
            services.retract_notice(actor=request.user, notice=notice,
                                    note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Notice retracted."))
            return redirect("comms:notice", slug=notice.slug)
    return _detail(request, notice, retract_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def notice_correct(request: HttpRequest, slug: str) -> HttpResponse:
    notice = _notice_or_404(request, slug)
    _require(request, "notice:correct", notice)
    form = CorrectionForm(request.POST or None)
    text_forms = _text_forms(request.POST or None, initial=_texts_of(notice))
    checks = _checks(request, _words(text_forms) if request.method == "POST"
                     else _texts_of(notice))
    if request.method == "POST" and request.POST.get("action") != "check" and form.is_valid():
        try:
            services.correct_notice(
                actor=request.user, notice=notice, texts=_words(text_forms),
                change_summary=form.cleaned_data["change_summary"],
                justification=form.cleaned_data["justification"])
        except ValidationError as error:
            _apply(error, form, text_forms)
        else:
            messages.success(request, _("Correction published."))
            return redirect("comms:notice", slug=notice.slug)
    return render(request, "comms/notice_correct.html", {
        "notice": notice, "form": form, "text_forms": text_forms, "checks": checks,
    })


def _may_edit_articles(request: HttpRequest) -> None:
    if not (authz.can(request.user, "method:edit") or authz.can(request.user, "toolkit:edit")):
        raise PermissionDenied


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    _may_edit_articles(request)
    return render(request, "comms/article_list.html", {
        "articles": selectors.articles_for_workspace(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    _may_edit_articles(request)
    article = None
    initial: dict[str, Any] = {}
    if article_id is not None:
        try:
            article = selectors.article_for_workspace(request.user, article_id)
        except NotFound:
            raise Http404(_("No such article.")) from None
        version = article.current_version
        initial = {"kind": article.kind, "language": article.language, "slug": article.slug,
                   "position": article.position,
                   "title": version.title if version else "",
                   "summary": version.summary if version else "",
                   "body": version.body if version else ""}
    form = ArticleForm(request.POST or None, initial=initial)
    if article is not None:
        for name in ("kind", "language", "slug"):
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_article(
                actor=request.user, kind=data["kind"], slug=data["slug"],
                language=data["language"], title=data["title"], body=data["body"],
                summary=data["summary"], change_note=data["change_note"],
                position=data["position"])
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Article saved."))
            return redirect("comms:articles")
    return render(request, "comms/article_form.html", {"form": form, "article": article})
