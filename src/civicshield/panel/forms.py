"""Panel forms: they collect and coerce input; `services` validates the rules and saves.

Choices (members, reports, organisations, parties) are read by the view through the
selectors and handed in, so a form never reads the database on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from civicshield.panel.choices import Confidence, DecisionRule, Outcome

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _when(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=help_text)


class PanelSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    members = forms.MultipleChoiceField(
        label=_("Members"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Accounts with the expert panel member role."))
    quorum = forms.IntegerField(label=_("Quorum"), min_value=1, max_value=99,
                                help_text=_("How many members not recused must have assessed "
                                            "a case before it can be decided."))
    decision_rule = forms.ChoiceField(label=_("Decision rule"), choices=DecisionRule.choices,
                                      widget=forms.RadioSelect)
    majority_fraction = forms.DecimalField(
        label=_("Majority share"), min_value=Decimal("0.50"), max_value=Decimal("0.99"),
        decimal_places=2, help_text=_("Majority rule only: one side must have more than this "
                                      "share of the assessments (0.50: more than half)."))
    briefing_tolerance_minutes = forms.IntegerField(
        label=_("Party briefing tolerance (minutes)"), min_value=0, max_value=10_080,
        help_text=_("A party offered a briefing later than this after the first is flagged."))

    def __init__(self, *args: Any, members: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(m.pk): m for m in members}
        cast(forms.ChoiceField, self.fields["members"]).choices = [
            (key, f"{m.get_full_name() or m.get_username()} — "
                  f"{m.organisation.name if m.organisation else ''}")
            for key, m in self.people.items()]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"], "quorum": data["quorum"],
            "decision_rule": data["decision_rule"],
            "majority_fraction": data["majority_fraction"],
            "briefing_tolerance": timedelta(minutes=data["briefing_tolerance_minutes"]),
            "members": [self.people[key] for key in data["members"]],
        }


class ThresholdForm(forms.Form):
    text = forms.CharField(
        label=_("Threshold, in plain words"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Saving writes a new version; earlier versions are kept."))


class OpenCaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary for the panel"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the panel reads: what is known, from whom, since when. Members see "
                    "only the reports their own markings allow, so cover the rest here "
                    "without repeating what a marking keeps from them."))
    reports = forms.MultipleChoiceField(label=_("Reports"), widget=forms.CheckboxSelectMultiple)
    affected_organisations = forms.MultipleChoiceField(
        label=_("Known targets and affected organisations"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Members declare any ties to these before reading the case."))

    def __init__(self, *args: Any, reports: Iterable[Any] = (),
                 organisations: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report_choices = {str(r.pk): r for r in reports}
        self.organisation_choices = {o.slug: o for o in organisations}
        cast(forms.ChoiceField, self.fields["reports"]).choices = [
            (key, f"{r.reference} — {r.title}") for key, r in self.report_choices.items()]
        cast(forms.ChoiceField, self.fields["affected_organisations"]).choices = [
            (slug, o.name) for slug, o in self.organisation_choices.items()]

    def chosen_reports(self) -> list[Any]:
        return [self.report_choices[key] for key in self.cleaned_data["reports"]]

    def chosen_organisations(self) -> list[Any]:
        return [self.organisation_choices[slug]
                for slug in self.cleaned_data["affected_organisations"]]


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest in this case?"),
        choices=[("no", _("No, I have no conflict of interest")),
                 ("yes", _("Yes, I have a conflict of interest (I will be recused)"))],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("If yes, what is it?"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: I advise one of the affected parties."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("has_conflict") and not (data.get("description") or "").strip():
            self.add_error("description", _("Say what the conflict is."))
        return data


class AssessmentForm(forms.Form):
    meets_threshold = forms.TypedChoiceField(
        label=_("Does this case meet the threshold?"),
        choices=[("yes", _("Yes, it meets the threshold")),
                 ("no", _("No, it does not meet the threshold"))],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect)
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices,
                                   widget=forms.RadioSelect)
    rationale = forms.CharField(label=_("Your reasons"),
                                widget=forms.Textarea(attrs={"rows": 5}))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices,
                                widget=forms.RadioSelect)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 5}))
    consulted = forms.CharField(
        label=_("Who was consulted"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("People and bodies consulted before deciding (or “no one beyond the "
                    "panel”)."))


class BriefingForm(forms.Form):
    briefed_by = forms.CharField(label=_("Who briefed the panel"), max_length=200)
    organisation = forms.ChoiceField(label=_("Their organisation"), required=False)
    briefed_at = _when(_("When"))
    content = forms.CharField(label=_("What the panel was told"),
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, organisations: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_choices = {o.slug: o for o in organisations}
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [("", "—")] + [
            (slug, o.name) for slug, o in self.organisation_choices.items()]

    def chosen_organisation(self) -> Any:
        return self.organisation_choices.get(self.cleaned_data.get("organisation") or "")


class TargetsInformedForm(forms.Form):
    who_was_informed = forms.CharField(label=_("Who was informed"),
                                       widget=forms.Textarea(attrs={"rows": 2}))
    how = forms.CharField(label=_("How"), max_length=200, required=False,
                          help_text=_("For example: by phone to the party's security lead."))
    informed_at = _when(_("When"), required=False, help_text=_("Empty: now."))


class BriefingRoundForm(forms.Form):
    subject = forms.CharField(label=_("What the briefing is about"),
                              widget=forms.Textarea(attrs={"rows": 2}))


class OfferForm(forms.Form):
    party = forms.ChoiceField(label=_("Party"))

    def __init__(self, *args: Any, parties: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.party_choices = {p.slug: p for p in parties}
        cast(forms.ChoiceField, self.fields["party"]).choices = [
            (slug, p.name) for slug, p in self.party_choices.items()]

    def chosen_party(self) -> Any:
        return self.party_choices[self.cleaned_data["party"]]


class AcknowledgementForm(forms.Form):
    acknowledged_by = forms.CharField(label=_("Acknowledged by"), max_length=200)
