"""The Atom feed of published notices at /feed.atom (and /fr/feed.atom, /es/feed.atom).

Django's syndication framework. Each entry is a notice in the feed's language (or its
original when there is no translation); a correction updates the entry, a retraction
prefixes its title.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicshield.comms.choices import NoticeStatus
from civicshield.comms.models import Notice, NoticeText
from civicshield.comms.selectors import public_notices, text_in

FEED_SIZE = 30


class NoticeFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Civic Shield — public notices")

    def subtitle(self) -> str:
        return _("What we know of interference in the election, and what to do.")

    def link(self) -> str:
        return reverse("portal:notices")

    def items(self) -> list[Notice]:
        return list(public_notices()[:FEED_SIZE])

    def _text(self, item: Notice) -> NoticeText:
        text = text_in(item.current_version, get_language() or "en")
        assert text is not None
        return text

    def item_title(self, item: Notice) -> str:
        headline = self._text(item).headline
        if item.status == NoticeStatus.RETRACTED:
            return _("Retracted: %(headline)s") % {"headline": headline}
        if item.status == NoticeStatus.CORRECTED:
            return _("Corrected: %(headline)s") % {"headline": headline}
        return headline

    def item_description(self, item: Notice) -> str:
        text = self._text(item)
        parts = [text.what_happened, text.what_to_do]
        if item.status == NoticeStatus.RETRACTED:
            parts.insert(0, _("This notice was retracted: %(note)s")
                         % {"note": item.retraction_note})
        return "\n\n".join(part for part in parts if part)

    def item_link(self, item: Notice) -> str:
        return reverse("portal:notice", args=[item.slug])

    def item_pubdate(self, item: Notice) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Notice) -> datetime | None:
        version = item.current_version
        return item.retracted_at or (version.published_at if version else None)
