"""Sharing forms: they collect and coerce input; the services check the rules and save.

The querysets a form chooses from (organisations, information types, groups, contacts)
are given by the view, from the selectors, so a form never reads the database on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from civicshield.core.markings import TLP
from civicshield.directory.choices import Sector

if TYPE_CHECKING:
    from civicshield.directory.models import Organisation
    from civicshield.sharing.models import SharingGroup


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Vocabulary terms by their name in the page's language, when a translation exists."""

    def label_from_instance(self, obj: Any) -> str:
        from civicshield.vocab.selectors import localised

        return localised(obj).name


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.organisation.name}"


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "choice-list"})


class AgreementForm(forms.Form):
    slug = forms.SlugField(label=_("Short name (slug)"), max_length=80,
                           help_text=_("Letters, digits and hyphens; it cannot change later."))
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In plain words: why these partners share this, and what it is for."))
    provider_sectors = forms.MultipleChoiceField(
        label=_("Providing sectors"), required=False, choices=Sector.choices,
        widget=_checkboxes(),
        help_text=_("Every organisation of these sectors commits to share."))
    # The querysets are the view's, given to __init__.
    providers: forms.ModelMultipleChoiceField[Organisation] = forms.ModelMultipleChoiceField(
        label=_("Providing organisations"), required=False, queryset=None,
        widget=_checkboxes(), help_text=_("Or name the organisations that commit to share."))
    information_types = TermMultipleChoiceField(
        label=_("Information types"), required=False, queryset=None,
        widget=_checkboxes(), help_text=_("None ticked: every information type."))
    recipient_organisations: forms.ModelMultipleChoiceField[Organisation] = (
        forms.ModelMultipleChoiceField(label=_("Recipient organisations"), required=False,
                                       queryset=None, widget=_checkboxes()))
    recipient_groups: forms.ModelMultipleChoiceField[SharingGroup] = (
        forms.ModelMultipleChoiceField(label=_("Recipient sharing groups"), required=False,
                                       queryset=None, widget=_checkboxes()))
    default_tlp = forms.ChoiceField(
        label=_("Default marking"), choices=TLP.choices, initial=TLP.AMBER,
        help_text=_("Applied to a covered report unless the reporter chooses otherwise."))
    widest_tlp = forms.ChoiceField(
        label=_("Widest marking allowed"), choices=TLP.choices, initial=TLP.AMBER,
        help_text=_("Sharing more widely needs an explicit override with a reason."))
    hours_to_share = forms.IntegerField(
        label=_("Time to share (hours)"), min_value=1, max_value=24 * 30, initial=24,
        help_text=_("Expected time from detection to sharing."))
    contact = ContactChoiceField(
        label=_("Contact for the agreement"), required=False,
        queryset=None)

    def __init__(self, *args: Any, organisations: QuerySet[Any], information_types: Any,
                 groups: QuerySet[Any], contacts: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["providers"]).queryset = organisations
        cast(forms.ModelMultipleChoiceField,
             self.fields["recipient_organisations"]).queryset = organisations
        cast(forms.ModelMultipleChoiceField,
             self.fields["information_types"]).queryset = information_types
        cast(forms.ModelMultipleChoiceField, self.fields["recipient_groups"]).queryset = groups
        cast(forms.ModelChoiceField, self.fields["contact"]).queryset = contacts


class SharingGroupForm(forms.Form):
    slug = forms.SlugField(label=_("Short name (slug)"), max_length=80,
                           help_text=_("Letters, digits and hyphens; it cannot change later."))
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    # The queryset is the view's, given to __init__.
    organisations: forms.ModelMultipleChoiceField[Organisation] = forms.ModelMultipleChoiceField(
        label=_("Member organisations"), required=False, queryset=None, widget=_checkboxes())

    def __init__(self, *args: Any, organisations: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField,
             self.fields["organisations"]).queryset = organisations


class SharingGroupMembersForm(forms.Form):
    # The queryset is the view's, given to __init__.
    organisations: forms.ModelMultipleChoiceField[Organisation] = forms.ModelMultipleChoiceField(
        label=_("Member organisations"), required=False, queryset=None, widget=_checkboxes())

    def __init__(self, *args: Any, organisations: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField,
             self.fields["organisations"]).queryset = organisations
