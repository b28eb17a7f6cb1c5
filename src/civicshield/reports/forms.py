"""Report forms: they collect and coerce input; `services` validates, marks and saves.

Choices (vocabulary terms, organisations, groups, people) are read by the view through the
selectors and handed in, so a form never reads the database on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicshield.core.markings import TLP
from civicshield.reports.choices import Confidence, Consent, ObservableType, Outcome, Status

_ANY = [("", _("Any"))]
SEVERITIES = [(str(level), str(level)) for level in range(1, 6)]
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# What each marking means, in plain words (FIRST TLP 2.0); the TLP vocabulary's own plain
# definitions replace these when it is loaded.
TLP_MEANINGS: dict[str, Any] = {
    TLP.CLEAR: _("Anyone may see it, the public included."),
    TLP.GREEN: _("Every member organisation of the community; not the public."),
    TLP.AMBER: _("The organisations or groups you name, and their sub-organisations."),
    TLP.AMBER_STRICT: _("The organisations or groups you name, and no one else."),
    TLP.RED: _("Only the people you name, by name."),
}

# The service names observation times after the model; the form after the API.
SERVICE_TO_FORM_FIELDS = {"observed_start": "observed_at", "observed_end": "observed_until"}


class ReportFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search"}),
                        help_text=_("Title, text or reference."))
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=_ANY)
    information_type = forms.ChoiceField(label=_("Information type"), required=False,
                                         choices=_ANY)
    severity = forms.TypedChoiceField(label=_("Severity at least"), required=False,
                                      choices=[*_ANY, *SEVERITIES], coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_ANY + Status.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=_ANY + Outcome.choices)
    victim = forms.TypedChoiceField(label=_("Victim"), required=False, choices=_ANY, coerce=int,
                                    empty_value=None)
    organisation = forms.ChoiceField(label=_("Organisation"), required=False, choices=_ANY)
    assignee = forms.CharField(label=_("Assignee"), required=False, max_length=150,
                               widget=forms.TextInput(attrs={"list": "report-assignees"}))

    def __init__(self, *args: Any, phases: Iterable[Any] = (),
                 information_types: Iterable[Any] = (),
                 victims: Iterable[tuple[int, str]] = (),
                 organisations: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["phase"]).choices = _ANY + [
            (t.code, t.name) for t in phases]
        cast(forms.ChoiceField, self.fields["information_type"]).choices = _ANY + [
            (t.code, t.name) for t in information_types]
        cast(forms.ChoiceField, self.fields["victim"]).choices = _ANY + [
            (str(pk), label) for pk, label in victims]
        cast(forms.ChoiceField, self.fields["organisation"]).choices = _ANY + [
            (o.slug, o.name) for o in organisations]

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.reports_visible_to`; empty when invalid."""
        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        data["q"] = data["q"].strip()
        data["assignee"] = data["assignee"].strip()
        return data


class ReportIdsField(forms.TypedMultipleChoiceField):
    """Report ids ticked in the queue; any number passes here, the selector keeps only the
    reports the viewer may see."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()


class BulkActionForm(forms.Form):
    ASSIGN, MERGE = "assign", "merge"
    action = forms.ChoiceField(label=_("With the selected reports"), choices=[
        (ASSIGN, _("Assign to")), (MERGE, _("Merge into the primary report"))])
    report = ReportIdsField(label=_("Reports"), coerce=int, error_messages={
        "required": _("Select at least one report.")})
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    primary = forms.CharField(label=_("Primary report (reference)"), required=False,
                              max_length=20)
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, assignees: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            (person.username, person.get_full_name() or person.username) for person in assignees
        ] + [("", _("— nobody (unassign) —"))]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("action") == self.MERGE and not (data.get("primary") or "").strip():
            self.add_error("primary", _("Name the report the others are merged into."))
        return data


class ObservableChoiceField(forms.MultipleChoiceField):
    """Extracted observables the analyst kept ticked, posted as "type:value"."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value: str) -> bool:
        kind, _separator, rest = str(value).partition(":")
        return kind in ObservableType.values and bool(rest)

    def clean(self, value: Any) -> list[dict[str, str]]:
        chosen = super().clean(value)
        return [dict(zip(("type", "value"), item.split(":", 1), strict=True))
                for item in chosen]


def _codes(text: str) -> list[str]:
    return [code for code in re.split(r"[\s,;]+", text or "") if code]


class ReportForm(forms.Form):
    """A new report (or, with `editing`, the fields of one that may change)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Paste what you saw: messages, links, addresses. Defanged text is fine."))
    observables = ObservableChoiceField(label=_("Observables to keep"), required=False)
    observed_at = forms.DateTimeField(
        label=_("Observed from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    observed_until = forms.DateTimeField(
        label=_("Observed until"), required=False, help_text=_("Empty: still going on."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    phases = forms.MultipleChoiceField(label=_("Electoral-cycle phases"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    information_types = forms.MultipleChoiceField(label=_("Information types"), required=False,
                                                  widget=forms.CheckboxSelectMultiple)
    techniques = forms.CharField(
        label=_("Techniques"), required=False, max_length=1000,
        help_text=_("DISARM or ATT&CK codes, separated by commas, e.g. T0086, T1566.001."),
        widget=forms.TextInput(attrs={"list": "technique-codes", "autocomplete": "off"}))
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, initial=Outcome.UNKNOWN,
        widget=forms.RadioSelect,
        help_text=_("An attempted breach is reported too: it is never dropped or downgraded."))
    severity = forms.TypedChoiceField(label=_("Severity"), choices=SEVERITIES, coerce=int,
                                      initial=3, help_text=_("1 is minor, 5 is critical."))
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices,
                                   initial=Confidence.MEDIUM)
    tlp = forms.ChoiceField(
        label=_("Marking (TLP)"), required=False, widget=forms.RadioSelect,
        choices=TLP.choices,
        help_text=_("None chosen: the sharing agreements' default applies, else TLP:AMBER."))
    audience_organisations = forms.MultipleChoiceField(
        label=_("Organisations"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}))
    audience_groups = forms.MultipleChoiceField(
        label=_("Sharing groups"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}))
    audience_users = forms.MultipleChoiceField(
        label=_("People (TLP:RED only)"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}))
    disclose_recipients = forms.BooleanField(
        label=_("Let recipients see who else received it"), required=False)
    override_reason = forms.CharField(
        label=_("Reason to share more widely than the agreement allows"), required=False,
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the marking is wider than the agreements allow; it is "
                    "recorded in the audit log."))

    def __init__(self, *args: Any, phases: Iterable[Any] = (),
                 information_types: Iterable[Any] = (), organisations: Iterable[Any] = (),
                 groups: Iterable[Any] = (), people: Iterable[Any] = (),
                 tlp_meanings: dict[str, str] | None = None, editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phase_terms = list(phases)
        self.information_type_terms = list(information_types)
        cast(forms.ChoiceField, self.fields["phases"]).choices = [
            (t.code, t.name) for t in self.phase_terms]
        cast(forms.ChoiceField, self.fields["information_types"]).choices = [
            (t.code, t.name) for t in self.information_type_terms]
        self.organisations = {o.slug: o for o in organisations}
        self.groups = {g.slug: g for g in groups}
        self.people = {p.username: p for p in people}
        cast(forms.ChoiceField, self.fields["audience_organisations"]).choices = [
            (slug, o.name) for slug, o in self.organisations.items()]
        cast(forms.ChoiceField, self.fields["audience_groups"]).choices = [
            (slug, g.name) for slug, g in self.groups.items()]
        cast(forms.ChoiceField, self.fields["audience_users"]).choices = [
            (username, f"{p.get_full_name() or username} ({p.organisation.name})")
            for username, p in self.people.items()]
        meanings = {**TLP_MEANINGS, **(tlp_meanings or {})}
        self.tlp_options = [(code, label, meanings[code]) for code, label in TLP.choices]
        if editing:
            del self.fields["observables"]
            self.fields["tlp"].required = True
        else:
            self.fields["observed_at"].initial = timezone.localtime().strftime(DATETIME_LOCAL)

    def clean_techniques(self) -> list[str]:
        return _codes(self.cleaned_data["techniques"])

    def clean_audience_organisations(self) -> list[Any]:
        return [self.organisations[slug] for slug in self.cleaned_data["audience_organisations"]]

    def clean_audience_groups(self) -> list[Any]:
        return [self.groups[slug] for slug in self.cleaned_data["audience_groups"]]

    def clean_audience_users(self) -> list[Any]:
        return [self.people[name] for name in self.cleaned_data["audience_users"]]

    def posted_observables(self) -> list[dict[str, str]]:
        """The observables ticked in the submitted form, to show them again on an error."""
        if not self.is_bound or "observables" not in self.fields:
            return []
        field = cast(ObservableChoiceField, self.fields["observables"])
        return [dict(zip(("type", "value"), item.split(":", 1), strict=True))
                for item in self["observables"].value() if field.valid_value(item)]

    @staticmethod
    def initial_for(report: Any) -> dict[str, Any]:
        return {
            "title": report.title, "description": report.description,
            "observed_at": timezone.localtime(report.observed_start).strftime(DATETIME_LOCAL),
            "observed_until": (timezone.localtime(report.observed_end).strftime(DATETIME_LOCAL)
                               if report.observed_end else None),
            "phases": [t.code for t in report.phases.all()],
            "information_types": [t.code for t in report.information_types.all()],
            "techniques": ", ".join(t.code for t in report.techniques.all()),
            "outcome": report.outcome, "severity": report.severity,
            "confidence": report.confidence, "tlp": report.tlp,
            "audience_organisations": [o.slug for o in report.audience_organisations.all()],
            "audience_groups": [g.slug for g in report.audience_groups.all()],
            "audience_users": [u.username for u in report.audience_users.all()],
            "disclose_recipients": report.disclose_recipients,
        }


VICTIM_KINDS = [("", _("— choose —")), ("candidate", _("Candidate")),
                ("official", _("Official")), ("voters", _("Group of voters")),
                ("other", _("Other"))]


class VictimForm(forms.Form):
    """One victim: an organisation of the directory, or a described person or group."""

    organisation = forms.ChoiceField(label=_("Organisation from the directory"), required=False)
    kind = forms.ChoiceField(label=_("Or a"), required=False, choices=VICTIM_KINDS)
    name = forms.CharField(label=_("Name or description"), required=False, max_length=200)
    region = forms.CharField(label=_("Region"), required=False, max_length=100,
                             widget=forms.TextInput(attrs={"list": "known-regions"}))
    consent = forms.ChoiceField(label=_("Their consent to disclose who they are"),
                                choices=Consent.choices, initial=Consent.PRIVATE)

    def __init__(self, *args: Any, organisations: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [("", _("— none —"))] + [
            (o.slug, o.name) for o in organisations]

    def victim(self) -> dict[str, Any] | None:
        """What `services.ReportInput.victims` takes, or None for an empty row."""
        data = self.cleaned_data
        if not data or not any((data.get(name) or "").strip()
                               for name in ("organisation", "kind", "name", "region")):
            return None
        if data["organisation"]:
            return {"organisation": data["organisation"], "consent": data["consent"]}
        return {"kind": data["kind"], "name": data["name"], "region": data["region"],
                "consent": data["consent"]}


class BaseVictimFormSet(forms.BaseFormSet):
    def victims(self) -> list[dict[str, Any]]:
        return [victim for form in self.forms if (victim := form.victim()) is not None]


# The factory subclasses `formset`; the stubs type its result as a plain BaseFormSet.
VictimFormSet = cast(type[BaseVictimFormSet], forms.formset_factory(
    VictimForm, formset=BaseVictimFormSet, extra=2, max_num=10, absolute_max=20))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    closed_reason = forms.CharField(label=_("Reason for closing"), required=False,
                                    max_length=300,
                                    help_text=_("Required when closing the report."))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_(
        "Images (PNG, JPEG, GIF, WebP), PDF or text."))


class ObservableSearchForm(forms.Form):
    value = forms.CharField(label=_("Observable"), max_length=2048,
                            widget=forms.TextInput(attrs={"type": "search"}),
                            help_text=_("A URL, domain, address, hash, handle… "
                                        "Defanged is fine."))


def apply_service_errors(form: forms.Form, error: ValidationError,
                         victims: BaseVictimFormSet | None = None) -> None:
    """Show a service's ValidationError on the form, by field where the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    chosen_tlp = getattr(form, "cleaned_data", {}).get("tlp")
    for name, messages in error.message_dict.items():
        target: str | None = SERVICE_TO_FORM_FIELDS.get(name, name)
        victim = re.fullmatch(r"victims\[(\d+)\]\.(\w+)", name)
        if victim and victims is not None:
            index, field = int(victim.group(1)), victim.group(2)
            filled = [f for f in victims.forms if f.victim() is not None]
            if index < len(filled):
                filled[index].add_error(field if field in filled[index].fields else None,
                                        messages)
                continue
            target = None
        elif name.startswith("observables"):
            target = "observables"
        elif name == "audience":
            target = "audience_users" if chosen_tlp == TLP.RED else "audience_organisations"
        if target not in form.fields:
            target = None
        form.add_error(target, messages)


class SupportStepForm(forms.Form):
    taken_on = forms.DateField(label=_("When"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("What was done"),
                                  widget=forms.Textarea(attrs={"rows": 3}))
