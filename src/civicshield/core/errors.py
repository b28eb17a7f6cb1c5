"""Domain exceptions, raised by services and selectors and translated once at each edge.

API: `civicshield.api` turns them into JSON error bodies. Views: form errors or the
403/404 pages. CLI: a message on stderr and exit code 2.
"""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["Conflict", "FieldErrors", "NotFound", "PermissionDenied", "ValidationError"]


class NotFound(Exception):
    """The object does not exist *or* the caller may not see it: the same answer for both."""

    def __init__(self, what: str = "object") -> None:
        super().__init__(f"{what} not found")
        self.what = what


class Conflict(Exception):
    """The change would clash with an existing record (a duplicate slug, say)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class FieldErrors:
    """Collect field errors, so the caller hears of every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)
