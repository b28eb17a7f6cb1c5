from django import forms
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
