"""Directory forms: they collect and coerce input; the services normalise, check and save.

Choices come from `choices.py`; the querysets for organisations and contacts are
given by the view, from the selectors, so a form never reads the database on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from civicshield.directory.choices import Availability, EscalationLevel, PoliticalLeaning, Sector
from civicshield.directory.models import Contact, Organisation

_ANY = [("", _("Any"))]


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search"}))
    sector = forms.ChoiceField(label=_("Sector"), required=False,
                               choices=_ANY + list(Sector.choices))
    country = forms.ChoiceField(label=_("Country"), required=False, choices=_ANY)
    verified = forms.ChoiceField(
        label=_("Verified"), required=False,
        choices=[*_ANY, ("yes", _("Verified only")), ("no", _("Not verified"))],
    )

    def __init__(self, *args: Any, countries: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = _ANY + [
            (country, country) for country in countries]

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.organisations_visible_to`; empty when invalid."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        verified = {"yes": True, "no": False}.get(data["verified"])
        return {"q": data["q"].strip(), "sector": data["sector"], "country": data["country"],
                "verified": verified}


class ContactSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search contacts"), required=False, max_length=200,
        help_text=_("Name, role, email, organisation or secure channel."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    topic = forms.CharField(label=_("Topic"), required=False, max_length=64,
                            widget=forms.TextInput(attrs={"list": "known-topics"}))
    phase = forms.CharField(label=_("Phase"), required=False, max_length=64,
                            widget=forms.TextInput(attrs={"list": "known-phases"}))


class WhoToContactForm(forms.Form):
    topic = forms.CharField(
        label=_("Topic"), required=False, max_length=64,
        help_text=_("For example: voter registration, disinformation, cyber incident."),
        widget=forms.TextInput(attrs={"list": "known-topics"}),
    )
    phase = forms.CharField(
        label=_("Electoral phase"), required=False, max_length=64,
        help_text=_("For example: registration, campaign, voting, counting."),
        widget=forms.TextInput(attrs={"list": "known-phases"}),
    )
    region = forms.CharField(
        label=_("Region"), required=False, max_length=100,
        help_text=_("Leave empty for nationwide."),
        widget=forms.TextInput(attrs={"list": "known-regions"}),
    )


class OrganisationForm(forms.Form):
    slug = forms.SlugField(label=_("Short name (slug)"), max_length=80,
                           help_text=_("Letters, digits and hyphens; it cannot change later."))
    name = forms.CharField(label=_("Name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    country = forms.CharField(label=_("Country"), max_length=100)
    region = forms.CharField(label=_("Region"), max_length=100, required=False,
                             help_text=_("Empty: nationwide."))
    parent = forms.ModelChoiceField(label=_("Part of"), queryset=Organisation.objects.none(),
                                    required=False, empty_label=_("— none —"))
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    political_leaning = forms.ChoiceField(
        label=_("Political leaning"), required=False,
        choices=[("", _("— not applicable —")), *PoliticalLeaning.choices],
        help_text=_("Only for political parties and candidate campaigns."),
    )
    verified = forms.BooleanField(label=_("Verified"), required=False)

    def __init__(self, *args: Any, parents: Any, editing: bool = False,
                 may_verify: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = parents
        if editing:
            del self.fields["slug"]
        if not may_verify:
            del self.fields["verified"]

    @staticmethod
    def initial_for(organisation: Organisation) -> dict[str, Any]:
        return {name: getattr(organisation, name) for name in (
            "name", "sector", "country", "region", "parent", "website", "political_leaning",
            "verified",
        )}


class ContactForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=200)
    role_title = forms.CharField(label=_("Role or title"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False,
        help_text=_("International format, e.g. +44 20 7946 0123."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    secure_channel = forms.CharField(label=_("Secure channel"), max_length=200, required=False,
                                     help_text=_("E.g. a Signal or Threema handle."))
    topics = forms.CharField(label=_("Topics"), required=False,
                             help_text=_("Separate with commas. Empty: any topic."))
    phases = forms.CharField(label=_("Electoral phases"), required=False,
                             help_text=_("Separate with commas. Empty: every phase."))
    languages = forms.CharField(label=_("Languages"), required=False,
                                help_text=_("Language codes separated by commas, e.g. en, fr."))
    region = forms.CharField(label=_("Region"), max_length=100, required=False,
                             help_text=_("Empty: the organisation's own coverage."))
    availability = forms.ChoiceField(label=_("Availability"), choices=Availability.choices)
    timezone = forms.CharField(label=_("Time zone"), max_length=64, initial="UTC",
                               help_text=_("E.g. Europe/London."))
    escalation_level = forms.TypedChoiceField(
        label=_("Escalation level"), choices=EscalationLevel.choices, coerce=int,
    )
    escalates_to = forms.ModelChoiceField(label=_("Escalates to"), queryset=Contact.objects.none(),
                                          required=False, empty_label=_("— nobody named —"))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, organisations: Iterable[Organisation],
                 escalation_targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The organisations the user may manage, already read by the view.
        self._organisations = {organisation.pk: organisation for organisation in organisations}
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [
            ("", "---------"), *((pk, o.name) for pk, o in self._organisations.items())
        ]
        cast(forms.ModelChoiceField, self.fields["escalates_to"]).queryset = escalation_targets

    def clean_organisation(self) -> Organisation:
        return self._organisations[self.cleaned_data["organisation"]]

    @staticmethod
    def initial_for(contact: Contact) -> dict[str, Any]:
        initial = {name: getattr(contact, name) for name in (
            "name", "role_title", "email", "phone", "secure_channel", "region",
            "availability", "timezone", "escalation_level", "escalates_to", "active",
        )}
        initial["organisation"] = contact.organisation_id
        for name in ("topics", "phases", "languages"):
            initial[name] = ", ".join(getattr(contact, name))
        return initial
