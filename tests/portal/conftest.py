"""The rate limit counts in the cache; every test starts with a clean count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_rate_limit_counts() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
