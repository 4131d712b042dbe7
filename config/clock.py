"""The time the platform writes on its rows: now, except inside `clock_at`.

Every service and every row's creation time reads `now()`. `clock_at(moment)` makes a block of
code run at another moment, so that seed_demo records past business as it would have happened
(order events, claims and payouts each at their own time, and the ledger with them). Requests
and tasks never enter such a block: for them `now()` is `timezone.now()`, and rules such as
"an order event is not dated after now" hold as before.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_moment: ContextVar[datetime | None] = ContextVar("clock_moment", default=None)


def now() -> datetime:
    return _moment.get() or timezone.now()


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
