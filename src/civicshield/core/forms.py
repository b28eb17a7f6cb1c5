from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    code = forms.RegexField(
        label=_("Six-digit code from your authenticator app"), regex=r"^\d{6}$",
        max_length=6, widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True,
        }),
    )


class TokenForm(forms.Form):
    label = forms.CharField(label=_("What is it for?"), max_length=100, required=False)


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
