"""How right the estimated wait told at entry was: for every caller an agent answered, the
estimate they heard (`IvrWalk.estimate_seconds`) against the wait that followed
(`IvrWalk.waited_seconds`, answered at - queued at). The figures are `routing.wait_accuracy`'s:
RASE, bias in seconds and relative to the mean wait, and the share within ±20%.

Per queue too, every predictor's figures on the same callers (`routing.wait_choice.compared`),
from the estimates logged on the walk: why the queue is told by the predictor it is.

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
from caredesk.routing.wait import Predictor
from caredesk.routing.wait_accuracy import AccuracyReport, accuracy
from caredesk.routing.wait_choice import compared, parse_estimates


@dataclass(frozen=True)
class WaitAccuracy:
    since: datetime
    until: datetime
    overall: AccuracyReport
    by_queue: dict[str, AccuracyReport]
    by_predictor: dict[str, dict[Predictor, AccuracyReport]]
    """Queue -> each predictor's figures on the callers they all had an estimate for."""


def wait_accuracy(
    uow: UnitOfWork, *, since: datetime, until: datetime, queue: str | None = None
) -> WaitAccuracy:
    """Callers answered after `since` and up to `until`, in every queue or in `queue`."""
    if since.tzinfo is None or until.tzinfo is None or until <= since:
        raise ValidationFailed("until must be an aware instant after since", field="until")
    query = select(
        IvrWalk.queue, IvrWalk.estimate_seconds, IvrWalk.waited_seconds, IvrWalk.estimates
    ).where(
        IvrWalk.answered_at > since,
        IvrWalk.answered_at <= until,
        IvrWalk.estimate_seconds.is_not(None),
        IvrWalk.waited_seconds.is_not(None),
    )
    if queue is not None:
        query = query.where(IvrWalk.queue == queue)
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    everyone: list[tuple[float, float]] = []
    logged: dict[str, list[tuple[dict[Predictor, float | None], float]]] = defaultdict(list)
    for name, estimate, waited, every in uow.session.execute(query):
        if estimate is None or waited is None:
            continue
        pair = (float(estimate), float(waited))
        pairs[name or ""].append(pair)
        everyone.append(pair)
        if every is not None:
            logged[name or ""].append((parse_estimates(every), float(waited)))
    return WaitAccuracy(
        since=since,
        until=until,
        overall=accuracy(everyone),
        by_queue={name: accuracy(found) for name, found in sorted(pairs.items())},
        by_predictor={name: compared(found) for name, found in sorted(logged.items())},
    )
