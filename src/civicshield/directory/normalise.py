"""Normalisation of directory input, shared by every way in (UI, API, CSV).

Each function returns the canonical value or raises ValidationError naming the field.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_TAG = re.compile(r"^[a-z0-9][a-z0-9_+.-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def tags(field: str, values: Iterable[str] | str) -> list[str]:
    """Free tags as lowercase codes, 'Voter registration' → 'voter_registration'."""
    if isinstance(values, str):
        values = values.replace(",", ";").split(";")
    result: list[str] = []
    for raw in values:
        code = re.sub(r"[\s-]+", "_", str(raw).strip().lower())
        if not code:
            continue
        if not _TAG.match(code) or len(code) > 64:
            raise ValidationError({field: _("“%(value)s” is not a valid tag.") % {"value": raw}})
        if code not in result:
            result.append(code)
    return result


def languages(values: Iterable[str] | str) -> list[str]:
    if isinstance(values, str):
        values = values.replace(",", ";").split(";")
    result: list[str] = []
    for raw in values:
        code = str(raw).strip()
        if not code:
            continue
        if not _LANGUAGE.match(code):
            raise ValidationError(
                {"languages": _("“%(value)s” is not a language code such as en or fr.")
                 % {"value": raw}}
            )
        code = code.lower()
        if code not in result:
            result.append(code)
    return result


def phone(value: str) -> str:
    """A phone number in E.164 form. International format (+…) is required."""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {"phone": _("“%(value)s” is not a valid international phone number (start with +).")
             % {"value": value}}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def timezone_name(value: str) -> str:
    value = value.strip() or "UTC"
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {"timezone": _("“%(value)s” is not a known time zone such as Europe/Paris.")
             % {"value": value}}
        ) from None
    return value
