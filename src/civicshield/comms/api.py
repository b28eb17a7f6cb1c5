"""Public notices in the API: `GET /api/v1/notices` — no authentication, published only.

`?lang=en|fr|es` picks the language; a notice without that translation comes in its
original language (`lang` says which, `is_translation` whether it is one).
"""

from datetime import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from civicshield.comms import selectors
from civicshield.comms.models import Notice, NoticeText

router = Router(tags=["comms"])

Lang = Literal["en", "fr", "es"]


def _lang(context: Any) -> str:
    request = (context or {}).get("request")
    lang = request.GET.get("lang", "en") if request is not None else "en"
    return lang if lang in ("en", "fr", "es") else "en"


def _text(notice: Notice, context: Any) -> NoticeText:
    cached = getattr(notice, "_api_text", None)
    if cached is None:
        cached = selectors.text_in(notice.current_version, _lang(context))
        notice._api_text = cached  # type: ignore[attr-defined]  # a per-instance cache
    assert cached is not None
    return cached


class NoticeOut(Schema):
    slug: str
    status: str
    version: int
    published_at: datetime | None
    updated_at: datetime | None
    lang: str
    is_translation: bool
    headline: str
    what_happened: str
    when: str
    who_affected: str
    what_it_means: str
    what_to_do: str
    how_we_know: str
    change_summary: str
    retraction_note: str
    url: str
    tlp: str

    @staticmethod
    def resolve_version(obj: Notice) -> int:
        return obj.current_version.number if obj.current_version else 0

    @staticmethod
    def resolve_updated_at(obj: Notice) -> datetime | None:
        version = obj.current_version
        return obj.retracted_at or (version.published_at if version else None)

    @staticmethod
    def resolve_change_summary(obj: Notice) -> str:
        return obj.current_version.change_summary if obj.current_version else ""

    @staticmethod
    def resolve_lang(obj: Notice, context: Any) -> str:
        return _text(obj, context).language

    @staticmethod
    def resolve_is_translation(obj: Notice, context: Any) -> bool:
        return _text(obj, context).is_translation

    @staticmethod
    def resolve_headline(obj: Notice, context: Any) -> str:
        return _text(obj, context).headline

    @staticmethod
    def resolve_what_happened(obj: Notice, context: Any) -> str:
        return _text(obj, context).what_happened

    @staticmethod
    def resolve_when(obj: Notice, context: Any) -> str:
        return _text(obj, context).when

    @staticmethod
    def resolve_who_affected(obj: Notice, context: Any) -> str:
        return _text(obj, context).who_affected

    @staticmethod
    def resolve_what_it_means(obj: Notice, context: Any) -> str:
        return _text(obj, context).what_it_means

    @staticmethod
    def resolve_what_to_do(obj: Notice, context: Any) -> str:
        return _text(obj, context).what_to_do

    @staticmethod
    def resolve_how_we_know(obj: Notice, context: Any) -> str:
        return _text(obj, context).how_we_know

    @staticmethod
    def resolve_url(obj: Notice, context: Any) -> str:
        with translation.override(_lang(context)):
            return reverse("portal:notice", args=[obj.slug])


@router.get("/notices", response=list[NoticeOut], auth=None, url_name="notices")
@paginate(LimitOffsetPagination)
def list_notices(request: HttpRequest, lang: Lang = "en") -> QuerySet[Notice]:
    """Published public notices (corrected and retracted ones too), newest first, in `lang`
    where translated. Public: no authentication."""
    return selectors.public_notices()


router.add_router("", "civicshield.comms.notifications.api.router")  # notifications
