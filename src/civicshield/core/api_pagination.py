"""API lists that serialise only the page django-ninja's `@paginate` takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")


class SerialisedPage(Generic[Item]):
    """Return one from a `@paginate(LimitOffsetPagination)` handler in place of a queryset.

    The paginator counts the queryset and slices it; only the rows of the slice are
    fetched, and they are handed to `serialise` as one list, so a page can be turned into
    its schemas with one batch of queries rather than a query per row.
    """

    def __init__(self, queryset: Any, serialise: Callable[[list[Any]], list[Item]]) -> None:
        self.queryset, self.serialise = queryset, serialise

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Item]:
        return self.serialise(list(self.queryset[window]))
