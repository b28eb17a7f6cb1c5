"""Forms of the notice workspace. They bound and label input; services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from civicshield.comms.choices import ArticleKind
from civicshield.comms.models import Article
from civicshield.comms.models.notices import NOTICE_TEXT_FIELDS
from civicshield.comms.plain_language import FIELD_LABELS
from civicshield.vocab.choices import Language

HELP = {
    "headline": _("Short and plain: what happened, in one line."),
    "what_happened": _("The facts: what was seen, where, and what it said."),
    "when": _("A date and a time, e.g. \"Tuesday 12 May 2026, from 07:40\"."),
    "who_affected": _("Who is affected. Name a victim only if they agreed to be named "
                      "in public."),
    "what_it_means": _("What it means for voters: what is true instead."),
    "what_to_do": _("What people should do, step by step."),
    "how_we_know": _("How we know: the checks we made and who confirmed it."),
}


class NoticeTextForm(forms.Form):
    """The words of a notice in one language (prefix = the language code)."""

    headline = forms.CharField(max_length=200, required=False)
    what_happened = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    when = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    who_affected = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    what_it_means = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    what_to_do = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    how_we_know = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in NOTICE_TEXT_FIELDS:
            self.fields[name].label = FIELD_LABELS[name]
            self.fields[name].help_text = HELP[name]

    def words(self) -> dict[str, str]:
        data = getattr(self, "cleaned_data", None) or {}
        if not data and self.is_bound:
            return {name: self.data.get(self.add_prefix(name), "") for name in NOTICE_TEXT_FIELDS}
        return {name: data.get(name, "") for name in NOTICE_TEXT_FIELDS}


class NoticeForm(forms.Form):
    """What is not words: the address, the original language, the decision, the links."""

    slug = forms.SlugField(label=_("Web address (slug)"), max_length=120, required=False,
                           help_text=_("Left empty, it is made from the headline."))
    original_language = forms.ChoiceField(label=_("Original language"),
                                          choices=Language.choices, initial=Language.EN)
    decision_reference = forms.CharField(
        label=_("Panel decision reference"), max_length=200, required=False,
        help_text=_("The panel case or decision this notice follows."))
    articles = forms.ModelMultipleChoiceField(
        label=_("Links to methods and the citizen toolkit"), required=False,
        queryset=Article.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, articles: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if articles is not None:
            cast(forms.ModelChoiceField, self.fields["articles"]).queryset = articles


class ApproveForm(forms.Form):
    decision_reference = forms.CharField(label=_("Panel decision reference"), max_length=200,
                                         required=False)
    justification = forms.CharField(
        label=_("Justification (required when the check fails)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}))


class CorrectionForm(forms.Form):
    change_summary = forms.CharField(
        label=_("What changed and why"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the public above the corrected notice."))
    justification = forms.CharField(
        label=_("Justification (required when the check fails)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))


class RetractForm(forms.Form):
    note = forms.CharField(label=_("Retraction note"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Shown to the public above the original notice."))


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ArticleKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    slug = forms.SlugField(label=_("Web address (slug)"), max_length=80, required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}),
                           help_text=_("Plain text; a blank line starts a new paragraph."))
    change_note = forms.CharField(label=_("What changed"), max_length=300, required=False)
