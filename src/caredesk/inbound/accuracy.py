"""How right the estimated wait told at entry was: for every caller an agent answered, the
estimate they heard (`IvrWalk.estimate_seconds`) against the wait that followed
(`IvrWalk.waited_seconds`, answered at - queued at). The figures are `routing.wait_accuracy`'s:
RASE, bias in seconds and relative to the mean wait, and the share within ±20%.

A caller who hung up has no wait to compare, and one who took a callback is measured as a
callback, so neither counts here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.inbound.models import IvrWalk
from caredesk.routing.wait_accuracy import AccuracyReport, accuracy


@dataclass(frozen=True)
class WaitAccuracy:
    since: datetime
    until: datetime
    overall: AccuracyReport
    by_queue: dict[str, AccuracyReport]


def wait_accuracy(
    uow: UnitOfWork, *, since: datetime, until: datetime, queue: str | None = None
) -> WaitAccuracy:
    """Callers answered after `since` and up to `until`, in every queue or in `queue`."""
    if since.tzinfo is None or until.tzinfo is None or until <= since:
        raise ValidationFailed("until must be an aware instant after since", field="until")
    query = select(IvrWalk.queue, IvrWalk.estimate_seconds, IvrWalk.waited_seconds).where(
        IvrWalk.answered_at > since,
        IvrWalk.answered_at <= until,
        IvrWalk.estimate_seconds.is_not(None),
        IvrWalk.waited_seconds.is_not(None),
    )
    if queue is not None:
        query = query.where(IvrWalk.queue == queue)
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    everyone: list[tuple[float, float]] = []
    for name, estimate, waited in uow.session.execute(query):
        if estimate is None or waited is None:
            continue
        pair = (float(estimate), float(waited))
        pairs[name or ""].append(pair)
        everyone.append(pair)
    return WaitAccuracy(
        since=since,
        until=until,
        overall=accuracy(everyone),
        by_queue={name: accuracy(found) for name, found in sorted(pairs.items())},
    )
