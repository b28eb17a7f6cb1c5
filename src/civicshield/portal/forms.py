"""The public report-a-concern form. It collects and bounds input; the service stores it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicshield.reports.services import MAX_TIP_LENGTH

WHERE_WHEN_MAX_LENGTH = 500
CONTACT_MAX_LENGTH = 200


class ConcernForm(forms.Form):
    description = forms.CharField(
        label=_("What did you see?"), max_length=MAX_TIP_LENGTH,
        help_text=_("Describe it in your own words. Copy any web address, account name or "
                    "message text exactly as you saw it."),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Tell us what you saw.")},
    )
    where_when = forms.CharField(
        label=_("Where and when did you see it?"), required=False,
        max_length=WHERE_WHEN_MAX_LENGTH,
        help_text=_("For example: on a social network, in a text message, at a polling "
                    "station in Portvale, on Tuesday evening."),
    )
    contact = forms.CharField(
        label=_("How can we reach you? (optional)"), required=False,
        max_length=CONTACT_MAX_LENGTH,
        help_text=_("An e-mail address or phone number, only if you agree to be contacted "
                    "about this report. Leave it empty to stay anonymous."),
    )
    # The honeypot: hidden from people by the stylesheet and from screen readers by
    # aria-hidden; automated spam fills every field it finds.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if len(self.tip_description()) > MAX_TIP_LENGTH:
            self.add_error("description", _(
                "Please keep your description and where and when under %(count)s characters "
                "together.") % {"count": MAX_TIP_LENGTH})
        return data

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website", "").strip())

    def tip_description(self) -> str:
        """What the coordinator reads: the description, then where and when, if given."""
        data = getattr(self, "cleaned_data", {})
        description = (data.get("description") or "").strip()
        where_when = (data.get("where_when") or "").strip()
        if not where_when:
            return description
        return f"{description}\n\n{_('Where and when')}: {where_when}"
