"""What a queue's recent callers say about waiting there: how patient they are and how long the
last one served had waited, in one statement for any number of queues.

- `last_entered_wait`: the wait (`IvrWalk.waited_seconds`) of the caller most recently answered
  in the queue (latest `answered_at`): the LES predictor's figure.
- `abandon_rate`: the callers' give-up rate per second of waiting, the maximum-likelihood
  estimate for exponential patience (the Erlang-A estimator): abandonments over the total time
  the callers spent at risk of abandoning, i.e. in line (answered: queued to answered; abandoned:
  queued to hang-up). It is taken over the last `PATIENCE_SAMPLE` callers who left the queue's
  line, whatever the hour: a count rather than a span of hours, so that a quiet queue has as
  much to go on as a busy one and a busy one follows a change within minutes. Callers still in
  line are left out: their time so far would be censored time at risk (it would lower the
  rate), but it would tie the figure to who happens to be waiting at this instant, and with a
  sample of callers who left the line it is a small share of the time counted. Callers who took
  a "keep my place" callback are left out too (they are counted apart by design: see
  `queue_callbacks`), and so are callers who hung up in the menus (never in line). With fewer
  than `PATIENCE_MIN` callers, or no time at risk, there is too little to go on: None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from caredesk.db.session import UnitOfWork
from caredesk.inbound.models import IvrWalk, WalkOutcome
from caredesk.interactions.models import Disposition, Interaction

# Callers who left a queue's line (answered or abandoned) the give-up rate is estimated over.
PATIENCE_SAMPLE = 200
# Fewer callers than this and the rate is not estimated: with a handful, one abandonment more
# or less moves it several-fold.
PATIENCE_MIN = 20


@dataclass(frozen=True, slots=True)
class LineHistory:
    abandon_rate: float | None = None
    last_entered_wait: float | None = None


def abandon_rate(
    *, callers: int, abandons: int, at_risk_seconds: float, minimum: int = PATIENCE_MIN
) -> float | None:
    """Abandonments per second at risk, or None with fewer than `minimum` callers or no time."""
    if callers < minimum or at_risk_seconds <= 0:
        return None
    return abandons / at_risk_seconds


def line_history(
    uow: UnitOfWork, *, queues: Iterable[str], now: datetime
) -> dict[str, LineHistory]:
    """Queue -> its `LineHistory` at `now`, for each of `queues` (in one statement: the last
    `PATIENCE_SAMPLE` callers who left each line, and each queue's last answered caller)."""
    names = sorted(set(queues))
    if not names:
        return {}
    answered = and_(IvrWalk.answered_at.is_not(None), IvrWalk.answered_at <= now)
    abandoned = and_(
        IvrWalk.answered_at.is_(None),
        Interaction.disposition == Disposition.ABANDONED.value,
        Interaction.ended_at.is_not(None),
        Interaction.ended_at <= now,
    )
    left_at = func.coalesce(IvrWalk.answered_at, Interaction.ended_at)
    recent = (
        select(
            IvrWalk.queue,
            IvrWalk.queued_at,
            IvrWalk.answered_at,
            IvrWalk.waited_seconds,
            Interaction.ended_at,
            func.row_number()
            .over(partition_by=IvrWalk.queue, order_by=(left_at.desc(), IvrWalk.id.desc()))
            .label("left_rank"),
            # Partitioned apart from the unanswered so that NULLs' place in a descending order
            # (first on PostgreSQL, last on SQLite) does not matter.
            func.row_number()
            .over(
                partition_by=(IvrWalk.queue, IvrWalk.answered_at.is_(None)),
                order_by=(IvrWalk.answered_at.desc(), IvrWalk.id.desc()),
            )
            .label("answered_rank"),
        )
        .join(Interaction, Interaction.id == IvrWalk.interaction_id)
        .where(
            IvrWalk.queue.in_(names),
            IvrWalk.queued_at.is_not(None),
            # A "keep my place" callback is counted apart; one refused left the caller in line.
            or_(IvrWalk.callback_id.is_(None), IvrWalk.outcome == WalkOutcome.QUEUED.value),
            or_(answered, abandoned),
        )
        .subquery()
    )
    rows = uow.session.execute(
        select(
            recent.c.queue,
            recent.c.queued_at,
            recent.c.answered_at,
            recent.c.waited_seconds,
            recent.c.ended_at,
            recent.c.left_rank,
            recent.c.answered_rank,
        ).where(
            or_(
                recent.c.left_rank <= PATIENCE_SAMPLE,
                and_(recent.c.answered_at.is_not(None), recent.c.answered_rank == 1),
            )
        )
    ).all()
    callers = dict.fromkeys(names, 0)
    abandons = dict.fromkeys(names, 0)
    at_risk = dict.fromkeys(names, 0.0)
    last: dict[str, float] = {}
    for queue, queued_at, answered_at, waited, ended_at, left_rank, answered_rank in rows:
        if answered_at is not None and answered_rank == 1 and waited is not None:
            last[queue] = float(waited)
        if left_rank > PATIENCE_SAMPLE:
            continue
        left = answered_at if answered_at is not None else ended_at
        callers[queue] += 1
        abandons[queue] += answered_at is None
        at_risk[queue] += max(0.0, (left - queued_at).total_seconds())
    return {
        name: LineHistory(
            abandon_rate=abandon_rate(
                callers=callers[name], abandons=abandons[name], at_risk_seconds=at_risk[name]
            ),
            last_entered_wait=last.get(name),
        )
        for name in names
    }
