"""Resolving, the resolution check, the lapse job and reopening."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from caredesk.audit.models import AuditEvent
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.errors import InvalidTransition, ValidationFailed
from caredesk.tickets import resolution, service
from caredesk.tickets.models import ResolutionOutcome, Ticket, TicketStatus, TicketUpdate
from caredesk.tickets.rules import TicketRules
from tests.integration.tickets.factories import STAFF, counts, make_account, make_ticket

SUMMARY = "Replaced the SIM card; test calls held for ten minutes."


def _resolved(db: Database, **kwargs: object) -> Ticket:
    ticket = make_ticket(db, make_account(db))
    with db.uow() as uow:
        return resolution.resolve_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            summary=SUMMARY,
            **kwargs,  # type: ignore[arg-type]
        )


def _actions(db: Database, ticket_id: int) -> list[str]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_id == str(ticket_id))
                .order_by(AuditEvent.id)
            )
        )


def test_resolve_sets_summary_and_follow_up(db: Database, clock: FixedClock) -> None:
    ticket = _resolved(db)
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolution_summary == SUMMARY
    assert ticket.resolved_at == clock.now()
    assert ticket.follow_up_due_at == clock.now() + timedelta(days=3)
    assert _actions(db, ticket.id) == ["ticket.created", "ticket.resolved"]


def test_follow_up_days_configurable(db: Database, clock: FixedClock) -> None:
    ticket = _resolved(db, rules=TicketRules(resolution_check_days=10))
    assert ticket.follow_up_due_at == clock.now() + timedelta(days=10)


@pytest.mark.parametrize(
    ("summary", "follow_up", "field"),
    [
        ("done", None, "summary"),
        ("Customer said PIN is 4821, reset it", None, "summary"),
        (SUMMARY, timedelta(hours=-1), "follow_up_at"),
        (SUMMARY, timedelta(days=61), "follow_up_at"),
    ],
)
def test_resolve_refusals_write_nothing(
    db: Database, clock: FixedClock, summary: str, follow_up: timedelta | None, field: str
) -> None:
    ticket = make_ticket(db, make_account(db))
    before = counts(db)
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        resolution.resolve_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            summary=summary,
            follow_up_at=clock.now() + follow_up if follow_up else None,
        )
    assert refused.value.field == field
    assert counts(db) == before


def test_customer_confirms_closes(db: Database) -> None:
    ticket = _resolved(db)
    with db.uow() as uow:
        ticket = resolution.record_resolution_check(
            uow, actor=STAFF, ticket=service.get_ticket(uow, ref=ticket.id), held=True
        )
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.resolution_outcome == ResolutionOutcome.HELD
    assert _actions(db, ticket.id)[-1] == "ticket.resolution_checked"


def test_customer_says_no_reopens(db: Database) -> None:
    ticket = _resolved(db)
    with db.uow() as uow:
        ticket = resolution.record_resolution_check(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            held=False,
            note="Calls still drop in the kitchen",
        )
        assert ticket.status == TicketStatus.REOPENED
        assert ticket.resolution_outcome == ResolutionOutcome.NOT_HELD
        assert (ticket.reopen_count, ticket.resolved_at, ticket.follow_up_due_at) == (1, None, None)
        kinds = list(uow.session.scalars(select(TicketUpdate.kind).order_by(TicketUpdate.id)))
        ticket_id = ticket.id
    assert kinds == ["resolution", "follow_up", "status_change"]
    assert _actions(db, ticket_id)[-2:] == ["ticket.resolution_checked", "ticket.reopened"]


def test_no_answer_is_noted_and_case_stays_resolved(db: Database) -> None:
    ticket = _resolved(db)
    with db.uow() as uow:
        ticket = resolution.record_resolution_check(
            uow, actor=STAFF, ticket=service.get_ticket(uow, ref=ticket.id), held=None
        )
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.follow_up_due_at is not None


def test_check_on_unresolved_case_refused_and_writes_nothing(db: Database) -> None:
    ticket = make_ticket(db, make_account(db))
    before = counts(db)
    with db.uow() as uow, pytest.raises(InvalidTransition) as refused:
        resolution.record_resolution_check(
            uow, actor=STAFF, ticket=service.get_ticket(uow, ref=ticket.id), held=True
        )
    assert refused.value.field == "status"
    assert counts(db) == before


def test_lapse_closes_only_due_unanswered_cases(db: Database, clock: FixedClock) -> None:
    due = _resolved(db)
    later = _resolved(db, follow_up_at=clock.now() + timedelta(days=5))
    answered = _resolved(db)
    with db.uow() as uow:
        resolution.record_resolution_check(
            uow, actor=STAFF, ticket=service.get_ticket(uow, ref=answered.id), held=True
        )
    open_case = make_ticket(db, make_account(db))

    clock.advance(timedelta(days=2))
    with db.uow() as uow:
        assert resolution.lapse_resolution_checks(uow, now=clock.now()) == []

    clock.advance(timedelta(days=1))
    with db.uow() as uow:
        closed = resolution.lapse_resolution_checks(uow, now=clock.now())
        assert [t.id for t in closed] == [due.id]
    with db.uow() as uow:
        statuses = {
            t.id: (t.status, t.resolution_outcome) for t in uow.session.scalars(select(Ticket))
        }
    assert statuses[due.id] == ("closed", "lapsed")
    assert statuses[later.id] == ("resolved", None)
    assert statuses[answered.id] == ("closed", "held")
    assert statuses[open_case.id] == ("new", None)
    assert _actions(db, due.id)[-1] == "ticket.resolution_check_lapsed"
    with db.uow() as uow:
        lapsed = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.resolution_check_lapsed")
        ).one()
        assert (lapsed.before["status"], lapsed.after["status"]) == ("resolved", "closed")

    # Running it again finds nothing more to do.
    with db.uow() as uow:
        assert resolution.lapse_resolution_checks(uow) == []


def test_reopen_within_window(db: Database, clock: FixedClock) -> None:
    ticket = _resolved(db)
    with db.uow() as uow:
        resolution.record_resolution_check(
            uow, actor=STAFF, ticket=service.get_ticket(uow, ref=ticket.id), held=True
        )
    clock.advance(timedelta(days=29))
    with db.uow() as uow:
        ticket = resolution.reopen_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            reason="Customer called: the drops are back since Friday",
        )
    assert ticket.status == TicketStatus.REOPENED
    assert ticket.closed_at is None and ticket.reopen_count == 1


def test_reopen_after_window_refused(db: Database, clock: FixedClock) -> None:
    ticket = _resolved(db)
    clock.advance(timedelta(days=8))
    before = counts(db)
    with db.uow() as uow, pytest.raises(InvalidTransition) as refused:
        resolution.reopen_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            reason="Customer called: the drops are back since Friday",
            rules=TicketRules(reopen_window_days=7),
        )
    assert refused.value.field == "status"
    assert counts(db) == before


@pytest.mark.parametrize("reason", ["", "again", "----------"])
def test_reopen_needs_a_reason(db: Database, reason: str) -> None:
    ticket = _resolved(db)
    before = counts(db)
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        resolution.reopen_ticket(
            uow, actor=STAFF, ticket=service.get_ticket(uow, ref=ticket.id), reason=reason
        )
    assert refused.value.field == "reason"
    assert counts(db) == before


def test_reopen_of_open_case_refused(db: Database) -> None:
    ticket = make_ticket(db, make_account(db))
    with db.uow() as uow, pytest.raises(InvalidTransition):
        resolution.reopen_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            reason="Customer says it is broken again",
        )


def test_lapse_jobs_running_at_once_close_each_case_once(db: Database, clock: FixedClock) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    due = [_resolved(db).id for _ in range(6)]
    clock.advance(timedelta(days=4))
    start = threading.Barrier(3)

    def run_job(_: int) -> list[int]:
        start.wait()
        with db.uow() as uow:
            return [t.id for t in resolution.lapse_resolution_checks(uow)]

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run_job, range(3)))
    closed = sorted(ticket_id for batch in results for ticket_id in batch)
    assert closed == sorted(due)
    with db.uow() as uow:
        lapsed = list(
            uow.session.scalars(
                select(AuditEvent.subject_id).where(
                    AuditEvent.action == "ticket.resolution_check_lapsed"
                )
            )
        )
        entries = list(
            uow.session.scalars(
                select(TicketUpdate.id).where(TicketUpdate.author == "system:resolution-check")
            )
        )
    assert sorted(int(s) for s in lapsed) == sorted(due)
    assert len(entries) == len(due)
