"""Cases through their services: opening, moving, escalating, assigning, the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from caredesk.audit.models import AuditEvent
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from caredesk.tickets import lifecycle, service, timeline
from caredesk.tickets.models import TicketPriority, TicketStatus, TicketUpdate, UpdateKind
from caredesk.tickets.rules import TicketRules
from tests.integration.tickets.factories import STAFF, counts, make_account, make_agent, make_ticket


def test_new_case_has_number_sla_and_audit(db: Database, clock: FixedClock) -> None:
    account = make_account(db)
    ticket = make_ticket(db, account, priority=TicketPriority.URGENT)
    assert ticket.case_number == f"CS-{ticket.id:06d}"
    assert ticket.status == TicketStatus.NEW
    assert ticket.sla_due_at == clock.now() + timedelta(hours=4)
    with db.uow() as uow:
        event = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.created"))
        assert event is not None and event.subject_id == str(ticket.id)
        assert event.after and event.after["case_number"] == ticket.case_number
        assert service.get_ticket(uow, ref=ticket.case_number.lower()).id == ticket.id
        assert service.get_ticket(uow, ref=str(ticket.id)).id == ticket.id


def test_sla_hours_come_from_the_rules(db: Database, clock: FixedClock) -> None:
    account = make_account(db)
    rules = TicketRules(sla_hours={p: 7 for p in TicketPriority})
    ticket = make_ticket(db, account, priority=TicketPriority.LOW, rules=rules)
    assert ticket.sla_due_at == clock.now() + timedelta(hours=7)


def test_overdue_is_derived_from_sla_and_status(db: Database, clock: FixedClock) -> None:
    account = make_account(db)
    ticket = make_ticket(db, account, priority=TicketPriority.URGENT)
    assert not ticket.is_overdue(clock.now())
    later = clock.advance(timedelta(hours=5))
    assert ticket.is_overdue(later)
    with db.uow() as uow:
        rows, _ = service.list_tickets(uow, overdue=True)
        assert [t.id for t in rows] == [ticket.id]
        assert service.list_tickets(uow, overdue=False)[0] == []


def test_unknown_account_or_assignee_refused_and_nothing_written(db: Database) -> None:
    before = counts(db)
    with db.uow() as uow, pytest.raises(NotFound) as refused:
        service.create_ticket(uow, actor=STAFF, account_id=999, subject="s", description="d")
    assert refused.value.field == "account_id"
    account = make_account(db)
    with db.uow() as uow, pytest.raises(NotFound) as refused:
        service.create_ticket(
            uow, actor=STAFF, account_id=account, subject="s", description="d", assignee_id=999
        )
    assert refused.value.field == "assignee_id"
    assert counts(db) == before


def test_secret_in_description_refused(db: Database) -> None:
    account = make_account(db)
    before = counts(db)
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        service.create_ticket(
            uow,
            actor=STAFF,
            account_id=account,
            subject="Billing",
            description="Charge on card 4111 1111 1111 1111 is wrong",
        )
    assert refused.value.field == "description"
    assert counts(db) == before


def test_status_moves_write_timeline_and_audit(db: Database) -> None:
    ticket = make_ticket(db, make_account(db))
    with db.uow() as uow:
        ticket = service.get_ticket(uow, ref=ticket.id)
        lifecycle.change_status(uow, actor=STAFF, ticket=ticket, status=TicketStatus.OPEN)
        lifecycle.change_status(
            uow,
            actor=STAFF,
            ticket=ticket,
            status=TicketStatus.PENDING_CUSTOMER,
            note="Waiting for the customer to restart the phone",
        )
        entries = list(uow.session.scalars(select(TicketUpdate).order_by(TicketUpdate.id)))
        assert [(e.kind, e.details) for e in entries] == [
            ("status_change", {"from": "new", "to": "open"}),
            ("status_change", {"from": "open", "to": "pending_customer"}),
        ]
        assert entries[1].body == "Waiting for the customer to restart the phone"
        assert entries[0].author == "system:test"


@pytest.mark.parametrize("target", [TicketStatus.CLOSED, TicketStatus.REOPENED, TicketStatus.NEW])
def test_invalid_transition_writes_nothing(db: Database, target: TicketStatus) -> None:
    ticket = make_ticket(db, make_account(db))
    before = counts(db)
    with db.uow() as uow, pytest.raises(InvalidTransition) as refused:
        lifecycle.change_status(
            uow, actor=STAFF, ticket=service.get_ticket(uow, ref=ticket.id), status=target
        )
    assert refused.value.field == "status"
    assert counts(db) == before
    with db.uow() as uow:
        assert service.get_ticket(uow, ref=ticket.id).status == TicketStatus.NEW


@pytest.mark.parametrize("target", [TicketStatus.ESCALATED, TicketStatus.RESOLVED])
def test_statuses_with_their_own_action_refused_by_plain_change(
    db: Database, target: TicketStatus
) -> None:
    ticket = make_ticket(db, make_account(db))
    before = counts(db)
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        lifecycle.change_status(
            uow, actor=STAFF, ticket=service.get_ticket(uow, ref=ticket.id), status=target
        )
    assert refused.value.field == "status"
    assert counts(db) == before


def test_escalate_to_leader_and_department(db: Database) -> None:
    leader = make_agent(db)
    assignee = make_agent(db)
    ticket = make_ticket(db, make_account(db), assignee_id=assignee)
    with db.uow() as uow:
        ticket = lifecycle.escalate_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            reason="Tower outage suspected; needs Service Assurance BTS",
            leader_id=leader,
        )
        assert ticket.status == TicketStatus.ESCALATED
        assert (ticket.escalated_to_agent_id, ticket.assignee_id) == (leader, assignee)
        # A re-escalation to a department moves the case to that department's queue.
        ticket = lifecycle.escalate_ticket(
            uow,
            actor=STAFF,
            ticket=ticket,
            reason="BTS confirmed the tower fault; handing to field team",
            department="sa_bts",
        )
        assert (ticket.queue, ticket.assignee_id) == ("sa_bts", None)
        entries = list(uow.session.scalars(select(TicketUpdate)))
        assert [e.kind for e in entries] == ["escalation", "escalation"]
        assert all(e.internal for e in entries)
        events = list(
            uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.escalated"))
        )
        assert events[0].details and events[0].details["leader_id"] == leader


@pytest.mark.parametrize(
    ("kwargs", "field", "error"),
    [
        ({"reason": "urgent", "leader_id": None}, "reason", ValidationFailed),
        ({"reason": "??????????????", "leader_id": None}, "reason", ValidationFailed),
        ({"reason": "Customer asked for a supervisor"}, "leader_id", ValidationFailed),
        ({"reason": "Customer asked for a supervisor", "leader_id": 9999}, "leader_id", NotFound),
        (
            {"reason": "Customer asked for a supervisor", "department": "Not A Code"},
            "department",
            ValidationFailed,
        ),
        (
            {"reason": "Customer read PIN is 4821 to me", "department": "leaders"},
            "reason",
            ValidationFailed,
        ),
    ],
)
def test_escalation_refusals_write_nothing(
    db: Database, kwargs: dict[str, object], field: str, error: type[Exception]
) -> None:
    ticket = make_ticket(db, make_account(db))
    before = counts(db)
    with db.uow() as uow, pytest.raises(error) as refused:
        lifecycle.escalate_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            **kwargs,  # type: ignore[arg-type]
        )
    assert getattr(refused.value, "field", None) == field
    assert counts(db) == before


def test_priority_change_moves_sla_from_creation(db: Database, clock: FixedClock) -> None:
    created = clock.now()
    ticket = make_ticket(db, make_account(db))
    clock.advance(timedelta(hours=1))
    with db.uow() as uow:
        ticket = service.update_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            priority=TicketPriority.HIGH,
        )
    assert ticket.sla_due_at == created + timedelta(hours=24)


def test_assignment_goes_on_the_timeline(db: Database) -> None:
    agent = make_agent(db)
    ticket = make_ticket(db, make_account(db))
    with db.uow() as uow:
        ticket = service.get_ticket(uow, ref=ticket.id)
        service.update_ticket(uow, actor=STAFF, ticket=ticket, assignee_id=agent, queue="tier2")
        service.update_ticket(uow, actor=STAFF, ticket=ticket, assignee_id=None)
        entries = list(uow.session.scalars(select(TicketUpdate).order_by(TicketUpdate.id)))
        assert [e.kind for e in entries] == ["assignment", "assignment"]
        assert entries[0].details == {
            "queue": {"from": "care", "to": "tier2"},
            "assignee_id": {"from": None, "to": agent},
        }
        assert entries[1].body == "Unassigned"


def test_unchanged_patch_writes_nothing(db: Database) -> None:
    ticket = make_ticket(db, make_account(db))
    before = counts(db)
    with db.uow() as uow:
        service.update_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            priority=TicketPriority.NORMAL,
            queue="care",
        )
    assert counts(db) == before


def test_add_update_for_callbacks(db: Database) -> None:
    ticket = make_ticket(db, make_account(db))
    with db.uow() as uow:
        entry = timeline.add_update(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            kind=UpdateKind.CALLBACK_UPDATE,
            body="Called back; signal restored after network reset.",
            details={
                "findings": "tower sector reset overnight",
                "actions_taken": ["network reset", "test call"],
                "new_information": "customer moved desk by the window",
            },
        )
        assert entry.id is not None
    with db.uow() as uow:
        stored = uow.session.get(TicketUpdate, entry.id)
        assert stored is not None and stored.details
        assert stored.details["actions_taken"] == ["network reset", "test call"]


@pytest.mark.parametrize(
    ("kind", "body", "details", "field"),
    [
        (UpdateKind.COMMENT, "   ", None, "body"),
        (UpdateKind.STATUS_CHANGE, "moved it", None, "kind"),
        (UpdateKind.COMMENT, "customer gave SSN 123-45-6789", None, "body"),
        (UpdateKind.CALLBACK_UPDATE, "ok", {"customer": {"pin": "1234"}}, "details.customer.pin"),
        (
            UpdateKind.CALLBACK_UPDATE,
            "ok",
            {"findings": ["card 4111111111111111"]},
            "details.findings[0]",
        ),
    ],
)
def test_add_update_refusals_write_nothing(
    db: Database, kind: UpdateKind, body: str, details: dict[str, object] | None, field: str
) -> None:
    ticket = make_ticket(db, make_account(db))
    before = counts(db)
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        timeline.add_update(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            kind=kind,
            body=body,
            details=details,
        )
    assert refused.value.field == field
    assert counts(db) == before


def test_closed_case_cannot_be_patched(db: Database) -> None:
    from caredesk.tickets import resolution

    ticket = make_ticket(db, make_account(db))
    with db.uow() as uow:
        ticket = service.get_ticket(uow, ref=ticket.id)
        resolution.resolve_ticket(
            uow, actor=STAFF, ticket=ticket, summary="Replaced the SIM card; calls stay up."
        )
        resolution.record_resolution_check(uow, actor=STAFF, ticket=ticket, held=True)
    before = counts(db)
    with db.uow() as uow, pytest.raises(Conflict) as refused:
        service.update_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            priority=TicketPriority.HIGH,
        )
    assert refused.value.field == "status"
    assert counts(db) == before


def test_text_search_escapes_wildcards(db: Database) -> None:
    account = make_account(db)
    make_ticket(db, account, subject="100% signal loss", description="Nothing works")
    make_ticket(db, account, subject="1000 texts missing", description="Since Monday")
    with db.uow() as uow:
        rows, _ = service.list_tickets(uow, text="0%")
        assert [t.subject for t in rows] == ["100% signal loss"]
        rows, _ = service.list_tickets(uow, text="MONDAY")
        assert [t.subject for t in rows] == ["1000 texts missing"]
        rows, _ = service.list_tickets(uow, text="_")
        assert rows == []
