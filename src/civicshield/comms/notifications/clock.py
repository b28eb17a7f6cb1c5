"""The clock notifications read, injectable so tests (and the demo) control time.

Deadlines, retries, link expiry and escalation all ask `clock.now()`, never the wall clock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.utils import timezone

_source: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return _source()


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[FrozenClock]:
    """Inside the block `now()` is `at`, moved on only by `advance`."""
    global _source
    fixed = FrozenClock(at)
    previous, _source = _source, fixed.now
    try:
        yield fixed
    finally:
        _source = previous


class FrozenClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at
