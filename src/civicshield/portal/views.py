"""The public site: home, notices, methods, citizen toolkit, statistics, and the
report-a-concern form. No login; in English, French and Spanish (/fr/..., /es/...).

Nothing here needs an account, and nothing here acts as one: a public tip is stored by
`reports.services.submit_public_tip`, which takes no actor, whoever is signed in.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from civicshield.comms import selectors as notice_selectors
from civicshield.comms.choices import ArticleKind
from civicshield.comms.models import Notice, NoticeVersion
from civicshield.comms.stix import notice_report_bundle
from civicshield.core.errors import NotFound
from civicshield.core.forms import apply_errors
from civicshield.directory.selectors import coordinating_organisation
from civicshield.portal.forms import ConcernForm
from civicshield.portal.selectors import public_statistics
from civicshield.reports import services as report_services

logger = logging.getLogger(__name__)

# Per client address (IPv4 /32, IPv6 /64), counted in the default cache. The default
# LocMemCache counts per process: enough for one server; several need a shared cache.
REPORT_RATE = "5/10m"
REPORT_RATE_GROUP = "portal.report_concern"
# Far above what the form's limits allow (5,000 characters, percent-encoded), far below
# what would cost us to read.
MAX_BODY_BYTES = 128 * 1024


LATEST_ON_HOME = 5
NOTICES_PER_PAGE = 20


def _lang() -> str:
    language = get_language() or "en"
    return language if language in ("en", "fr", "es") else "en"


def _with_text(notices: list[Notice], lang: str) -> list[Notice]:
    for notice in notices:
        # For the template: the text in the reader's language.
        notice.text = notice_selectors.text_in(  # type: ignore[attr-defined]
            notice.current_version, lang)
    return notices


def home(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    latest = _with_text(list(notice_selectors.public_notices()[:LATEST_ON_HOME]), lang)
    return render(request, "portal/home.html", {"notices": latest})


def notice_list(request: HttpRequest) -> HttpResponse:
    notices = _with_text(list(notice_selectors.public_notices()[:NOTICES_PER_PAGE * 5]),
                         _lang())
    return render(request, "portal/notice_list.html", {"notices": notices})


def _public_notice(slug: str) -> Notice:
    try:
        return notice_selectors.public_notice(slug)
    except NotFound:
        raise Http404(_("No such notice.")) from None


def notice_detail(request: HttpRequest, slug: str, number: int | None = None) -> HttpResponse:
    """A notice in the reader's language, with its corrections shown and, when retracted,
    the retraction note above the original words. `number` shows an earlier version."""
    notice = _public_notice(slug)
    lang = _lang()
    versions = [version for version in notice_selectors.versions_of(notice)
                if version.published_at is not None]
    current = notice.current_version
    shown: NoticeVersion | None = current
    if number is not None:
        shown = next((version for version in versions if version.number == number), None)
        if shown is None:
            raise Http404(_("No such version."))
    text = notice_selectors.text_in(shown, lang)
    previous = next((version for version in reversed(versions)
                     if shown is not None and version.number < shown.number), None)
    changes = notice_selectors.changes_between(
        notice_selectors.text_in(previous, text.language if text else lang), text)
    return render(request, "portal/notice_detail.html", {
        "notice": notice, "version": shown, "text": text, "versions": versions,
        "previous": previous, "changes": changes,
        "is_latest": shown is not None and current is not None and shown.pk == current.pk,
        "untranslated": text is not None and text.language != lang,
        "links": list(notice.articles.filter(language=lang).select_related("current_version")),
    })


def notice_stix(request: HttpRequest, slug: str) -> JsonResponse:
    """The notice as a STIX 2.1 bundle with a TLP:CLEAR `report`."""
    notice = _public_notice(slug)
    bundle = notice_report_bundle(
        notice, lang=_lang(),
        url=request.build_absolute_uri(reverse("portal:notice", args=[notice.slug])))
    return JsonResponse(bundle, content_type="application/stix+json;version=2.1")


def methods(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/articles.html", {
        "kind": ArticleKind.METHOD,
        "articles": notice_selectors.public_articles(ArticleKind.METHOD, _lang()),
    })


def toolkit(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/articles.html", {
        "kind": ArticleKind.TOOLKIT,
        "articles": notice_selectors.public_articles(ArticleKind.TOOLKIT, _lang()),
    })


def statistics(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/statistics.html", {"statistics": public_statistics(_lang())})


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json"


def _json_error(detail: str, errors: dict[str, list[str]] | None = None, *,
                status: int) -> JsonResponse:
    # The same error body as the REST API (civicshield.api).
    return JsonResponse({"detail": detail, "errors": errors or {}}, status=status)


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    if _wants_json(request):
        response: HttpResponse = _json_error(
            _("Too many reports from your connection. Please try again in a few minutes."),
            status=429)
    else:
        response = render(request, "portal/report_limited.html",
                          {"minutes": max(1, (retry_after + 59) // 60)}, status=429)
    response["Retry-After"] = str(max(1, retry_after))
    return response


def _rate_limited(request: HttpRequest) -> HttpResponse | None:
    """Count this post against the client's address; a 429 answer once over the rate."""
    usage = get_usage(request, group=REPORT_RATE_GROUP, key="ip", rate=REPORT_RATE,
                      method="POST", increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return _too_many(request, usage["time_left"])


def _store(form: ConcernForm) -> str:
    """Store the tip and return its reference. A filled honeypot stores nothing and gets a
    reference of the same shape, so the sender cannot tell it was caught."""
    if form.is_spam():
        logger.info("A public tip was discarded: the honeypot field was filled.")
        return report_services.new_reference()
    report = report_services.submit_public_tip(
        description=form.tip_description(), contact=form.cleaned_data["contact"])
    return report.reference


def _thanks(request: HttpRequest, reference: str) -> HttpResponse:
    return render(request, "portal/report_thanks.html", {
        "reference": reference, "coordinator": coordinating_organisation(),
    })


@csrf_protect
def _report_form(request: HttpRequest) -> HttpResponse:
    form = ConcernForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reference = _store(form)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _thanks(request, reference)
    return render(request, "portal/report.html", {"form": form},
                  status=400 if form.errors else 200)


def _report_json(request: HttpRequest) -> HttpResponse:
    # Read with the CSRF exemption of `report_concern`: what this path does, anyone can do
    # without a cookie, so it never looks at request.user or the session.
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _json_error(_("The body is not valid JSON."), status=400)
    if not isinstance(payload, dict):
        return _json_error(_("Send a JSON object: {\"description\": ..., \"contact\": ...}."),
                           status=400)
    fields = ("description", "where_when", "contact", "website")
    wrong = {name: [_("This must be text.")] for name in fields
             if name in payload and not isinstance(payload[name], str)}
    if wrong:
        return _json_error(f"{next(iter(wrong))}: {_('This must be text.')}", wrong, status=422)
    form = ConcernForm({name: payload[name] for name in fields if name in payload})
    if form.is_valid():
        try:
            return JsonResponse({"reference": _store(form)}, status=201)
        except ValidationError as error:
            apply_errors(form, error)
    errors = {field: [str(message) for message in messages]
              for field, messages in form.errors.items()}
    first_field, first_messages = next(iter(errors.items()))
    return _json_error(f"{first_field}: {first_messages[0]}", errors, status=422)


# Exempt from the CSRF middleware so that scripts can post JSON; `_report_form` puts the
# protection back for the HTML form. CSRF guards the authority a browser's cookies carry.
# The JSON path carries none: it stores an anonymous tip, exactly what anyone may do with
# no cookie at all, and never acts as the signed-in user (no request.user, no session).
# Browsers cannot send application/json across sites without a CORS preflight, which
# this site never grants; a cross-site "simple" post (form-encoded or text/plain) takes
# the HTML path, where the token is required.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def report_concern(request: HttpRequest) -> HttpResponse:
    """The public report-a-concern form at /report/, also answering JSON posts.

    No login. Every post counts against the client's address (REPORT_RATE); the sixth
    within ten minutes gets 429. A stored tip is TLP:AMBER+STRICT for the coordinator.
    """
    if request.method == "POST":
        limited = _rate_limited(request)
        if limited is not None:
            return limited
        if _content_length(request) > MAX_BODY_BYTES:
            if _wants_json(request):
                return _json_error(_("The report is too large."), status=413)
            return render(request, "portal/report.html", {
                "form": ConcernForm(), "too_large": True}, status=413)
        if _wants_json(request):
            return _report_json(request)
    return _report_form(request)
