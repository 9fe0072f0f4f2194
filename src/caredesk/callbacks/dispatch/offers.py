"""Offers: which agent may take a claimed callback, the offer written under the claim's lease,
and offers nobody started going back to the schedule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import (
    Integer,
    bindparam,
    func,
    select,
    update,
)

from caredesk.agents.models import Agent
from caredesk.audit.service import record
from caredesk.callbacks.dispatch.claims import (
    DISPATCHER,
    FOLLOW_UP,
    LEASE,
    OFFERED,
    SCHEDULED,
    CallbackClaim,
    agent_can_take,
    check_batch,
    check_lease_seconds,
    check_now,
    check_worker_id,
    release_claim,
)
from caredesk.callbacks.dispatch.report import DispatchReport
from caredesk.callbacks.models import Callback, CallbackEvent
from caredesk.callbacks.records import Event, add_event
from caredesk.db.base import UTCDateTime
from caredesk.db.leases import claim_rows
from caredesk.db.session import Database, UnitOfWork


def expire_offers(db: Database, *, now: datetime, batch: int = 100, worker_id: str) -> int:
    """Puts OFFERED callbacks whose lease ran out (the agent never started the call) back in the
    schedule, one ``offer_expired`` event each, and commits. Returns how many."""
    check_worker_id(worker_id)
    check_now(now)
    check_batch(batch)
    stale = (
        Callback.status == OFFERED,
        Callback.lease_expires_at.is_not(None),
        Callback.lease_expires_at < now,
    )
    with db.uow() as uow, uow.atomic():
        # Started, cancelled or expired by someone else since it was read: left alone.
        expired = claim_rows(
            uow,
            Callback,
            candidates=stale,
            order_by=(Callback.lease_expires_at, Callback.id),
            values={
                "status": SCHEDULED,
                "offered_to_agent_id": None,
                "offered_at": None,
                **LEASE.cleared(),
                "version": Callback.version + 1,
                "updated_at": now,
            },
            batch=batch,
            before=(
                Callback.lease_token,
                Callback.offered_to_agent_id,
                Callback.offered_at,
                Callback.lease_expires_at,
            ),
        )
        for row in (claimed.before for claimed in expired):
            facts = {
                "agent_id": row.offered_to_agent_id,
                "offered_at": row.offered_at.isoformat() if row.offered_at else None,
                "lease_expired_at": row.lease_expires_at.isoformat(),
                "worker": worker_id,
            }
            add_event(
                uow,
                row.id,
                actor=DISPATCHER,
                kind=Event.OFFER_EXPIRED,
                from_status=OFFERED,
                to_status=SCHEDULED,
                detail="The agent did not start the call before the offer ran out; "
                "the callback is back in the schedule.",
                facts=facts,
                at=now,
            )
            record(
                uow,
                actor=DISPATCHER,
                action="callback.offer_expired",
                subject_type="callback",
                subject_id=row.id,
                before={"status": OFFERED, "offered_to_agent_id": row.offered_to_agent_id},
                after={"status": SCHEDULED},
                details=facts,
            )
    return len(expired)


# The dispatcher's log lines share one name, whichever module writes them.
log = logging.getLogger("caredesk.callbacks.dispatcher")


# Built once: the dispatcher runs it for every offer, and building the expression costs more
# than running it.
_OFFER = (
    update(Callback)
    .where(
        Callback.id == bindparam("b_id"),
        Callback.lease_token == bindparam("b_token"),
        Callback.status == SCHEDULED,
        agent_can_take(bindparam("b_agent", type_=Integer)),
    )
    .values(
        status=OFFERED,
        offered_to_agent_id=bindparam("b_agent", type_=Integer),
        offered_at=bindparam("b_now", type_=UTCDateTime()),
        lease_expires_at=bindparam("b_expires", type_=UTCDateTime()),
        version=Callback.version + 1,
        updated_at=bindparam("b_now", type_=UTCDateTime()),
    )
)


def offer_under_lease(
    uow: UnitOfWork,
    claim: CallbackClaim,
    agent_id: int,
    *,
    now: datetime,
    offer_seconds: float,
) -> str:
    """Offers a claimed callback to ``agent_id`` under the claim's lease and records it (no
    commit). The UPDATE names the lease token and re-checks the agent, so a worker whose lease
    was taken over, or an agent who left Not Ready - Follow-Up, changes nothing. Returns
    "offered", "agent_gone" or "lease_lost"."""
    result = uow.session.connection().execute(
        _OFFER,
        {
            "b_id": claim.id,
            "b_token": claim.lease_token,
            "b_agent": agent_id,
            "b_now": now,
            "b_expires": now + timedelta(seconds=offer_seconds),
        },
    )
    if result.rowcount == 1:
        _record_offer(uow, claim, agent_id, now=now, offer_seconds=offer_seconds)
        return "offered"
    still_ours = uow.session.scalar(
        select(Callback.id).where(
            Callback.id == claim.id,
            Callback.lease_token == claim.lease_token,
            Callback.status == SCHEDULED,
        )
    )
    return "agent_gone" if still_ours is not None else "lease_lost"


def _record_offer(
    uow: UnitOfWork, claim: CallbackClaim, agent_id: int, *, now: datetime, offer_seconds: float
) -> None:
    lateness = (now - claim.due_at).total_seconds()
    facts = {
        "agent_id": agent_id,
        "lateness_seconds": lateness,
        "to_owner": agent_id == claim.owner_agent_id,
        "from_pool": claim.in_assignment_pool,
        "offer_expires_at": (now + timedelta(seconds=offer_seconds)).isoformat(),
        "worker": claim.lease_owner,
    }
    add_event(
        uow,
        claim.id,
        actor=DISPATCHER,
        kind=Event.OFFERED,
        from_status=SCHEDULED,
        to_status=OFFERED,
        detail=f"Offered to agent {agent_id} in Not Ready - Follow-Up.",
        facts=facts,
        at=now,
    )
    record(
        uow,
        actor=DISPATCHER,
        action="callback.offered",
        subject_type="callback",
        subject_id=claim.id,
        before={"status": SCHEDULED},
        after={"status": OFFERED, "offered_to_agent_id": agent_id},
        details=facts,
    )


# A callback nobody can take is noted on its timeline at most this often.
NO_AGENT_NOTE_EVERY = timedelta(minutes=10)

AfterClaim = Callable[[list[CallbackClaim]], None]


class AgentBoard:
    """Eligible agents and their open offers, read once per batch and kept current as offers
    are made. Another worker's offers since the read are not seen; that only skews the balance
    for one batch, never who may be offered what (the offer itself re-checks the agent)."""

    def __init__(self, agents: dict[int, str], offers: dict[int, int]) -> None:
        self._lob = dict(agents)
        self._offers = {agent_id: offers.get(agent_id, 0) for agent_id in agents}

    @classmethod
    def load(cls, uow: UnitOfWork) -> AgentBoard:
        agents = {
            row.id: row.line_of_business
            for row in uow.session.execute(
                select(Agent.id, Agent.line_of_business).where(
                    Agent.active.is_(True), Agent.state == FOLLOW_UP
                )
            )
        }
        offers: dict[int, int] = {}
        if agents:
            counted = uow.session.execute(
                select(Callback.offered_to_agent_id, func.count())
                .where(Callback.status == OFFERED, Callback.offered_to_agent_id.in_(agents))
                .group_by(Callback.offered_to_agent_id)
            )
            offers = {agent_id: count for agent_id, count in counted if agent_id is not None}
        return cls(agents, offers)

    def candidates(self, claim: CallbackClaim) -> list[int]:
        if claim.owner_only:
            return [claim.owner_agent_id] if claim.owner_agent_id in self._lob else []
        pool = [agent_id for agent_id, lob in self._lob.items() if lob == claim.line_of_business]
        return sorted(pool, key=lambda agent_id: (self._offers[agent_id], agent_id))

    def offered(self, agent_id: int) -> None:
        self._offers[agent_id] += 1

    def gone(self, agent_id: int) -> None:
        self._lob.pop(agent_id, None)


def _note_no_agent(uow: UnitOfWork, claim: CallbackClaim, *, now: datetime) -> None:
    noted = uow.session.scalar(
        select(CallbackEvent.id)
        .where(
            CallbackEvent.callback_id == claim.id,
            CallbackEvent.kind == "no_agent",
            CallbackEvent.at > now - NO_AGENT_NOTE_EVERY,
        )
        .limit(1)
    )
    if noted is not None:
        return
    who = (
        f"its owner (agent {claim.owner_agent_id}) is not"
        if claim.owner_only
        else f"no active {claim.line_of_business} agent is"
    )
    add_event(
        uow,
        claim.id,
        actor=DISPATCHER,
        kind=Event.NO_AGENT,
        detail=f"Due, but {who} in Not Ready - Follow-Up; it stays scheduled.",
        facts={"owner_agent_id": claim.owner_agent_id, "from_pool": claim.in_assignment_pool},
        at=now,
    )


def _offer_one(
    uow: UnitOfWork,
    claim: CallbackClaim,
    board: AgentBoard,
    *,
    now: datetime,
    offer_seconds: float,
) -> tuple[str, int | None]:
    """Offers one claimed callback (no commit): "offered" with the agent, "no_agent" (claim
    released) or "lease_lost" (nothing written)."""
    for agent_id in board.candidates(claim):
        outcome = offer_under_lease(uow, claim, agent_id, now=now, offer_seconds=offer_seconds)
        if outcome == "offered":
            board.offered(agent_id)
            return outcome, agent_id
        if outcome == "lease_lost":
            return outcome, None
        board.gone(agent_id)
    if not release_claim(uow, claim):
        return "lease_lost", None
    _note_no_agent(uow, claim, now=now)
    return "no_agent", None


def offer_claims(
    db: Database,
    claims: list[CallbackClaim],
    *,
    now: datetime,
    offer_seconds: float,
    report: DispatchReport,
) -> None:
    """Offers each claimed callback to an eligible agent. The batch is written in one
    transaction; if that fails, each callback is tried in its own, so one that cannot be
    written never holds back the rest (its claim runs out and it is claimed again)."""
    if not claims:
        return
    check_lease_seconds(offer_seconds, "offer_seconds")
    outcomes: list[tuple[CallbackClaim, str, int | None]] = []
    try:
        with db.uow() as uow, uow.atomic():
            board = AgentBoard.load(uow)
            # The timeline and audit rows go in together at commit, not one by one before
            # each UPDATE.
            with uow.session.no_autoflush:
                for claim in claims:
                    outcome, agent_id = _offer_one(
                        uow, claim, board, now=now, offer_seconds=offer_seconds
                    )
                    outcomes.append((claim, outcome, agent_id))
    except Exception:
        log.exception(
            "offering a batch failed; offering one by one",
            extra={"worker": claims[0].lease_owner, "claims": len(claims)},
        )
        outcomes = []
        with db.uow() as uow:
            board = AgentBoard.load(uow)
        for claim in claims:
            try:
                with db.uow() as uow, uow.atomic():
                    outcome, agent_id = _offer_one(
                        uow, claim, board, now=now, offer_seconds=offer_seconds
                    )
            except Exception:
                log.exception("offering a callback failed", extra={"callback_id": claim.id})
                outcome, agent_id = "failed", None
            outcomes.append((claim, outcome, agent_id))
    for claim, outcome, _agent_id in outcomes:
        if outcome == "offered":
            report.offered += 1
            report.offered_ids.append(claim.id)
            report.lateness_seconds.append((now - claim.due_at).total_seconds())
        elif outcome == "no_agent":
            report.no_agent += 1
        elif outcome == "failed":
            report.failed += 1
        else:
            report.lease_lost += 1
            log.warning(
                "callback lease lost before the offer",
                extra={"callback_id": claim.id, "worker": claim.lease_owner},
            )
