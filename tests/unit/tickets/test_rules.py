"""The case lifecycle rules: the transitions table, SLA hours, references and reasons."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from caredesk.errors import InvalidTransition, ValidationFailed
from caredesk.tickets.models import TicketPriority, TicketStatus
from caredesk.tickets.numbers import case_number_for, parse_ticket_ref
from caredesk.tickets.rules import (
    TRANSITIONS,
    TicketRules,
    check_transition,
    require_meaningful,
)

S = TicketStatus

# The table written out pair by pair, so that a change to it is a deliberate change here too.
ALLOWED = {
    (S.NEW, S.OPEN), (S.NEW, S.PENDING_CUSTOMER), (S.NEW, S.PENDING_INTERNAL),
    (S.NEW, S.ESCALATED), (S.NEW, S.RESOLVED),
    (S.OPEN, S.PENDING_CUSTOMER), (S.OPEN, S.PENDING_INTERNAL), (S.OPEN, S.ESCALATED),
    (S.OPEN, S.RESOLVED),
    (S.PENDING_CUSTOMER, S.OPEN), (S.PENDING_CUSTOMER, S.PENDING_INTERNAL),
    (S.PENDING_CUSTOMER, S.ESCALATED), (S.PENDING_CUSTOMER, S.RESOLVED),
    (S.PENDING_INTERNAL, S.OPEN), (S.PENDING_INTERNAL, S.PENDING_CUSTOMER),
    (S.PENDING_INTERNAL, S.ESCALATED), (S.PENDING_INTERNAL, S.RESOLVED),
    (S.ESCALATED, S.OPEN), (S.ESCALATED, S.PENDING_CUSTOMER), (S.ESCALATED, S.PENDING_INTERNAL),
    (S.ESCALATED, S.ESCALATED), (S.ESCALATED, S.RESOLVED),
    (S.RESOLVED, S.CLOSED), (S.RESOLVED, S.REOPENED),
    (S.CLOSED, S.REOPENED),
    (S.REOPENED, S.OPEN), (S.REOPENED, S.PENDING_CUSTOMER), (S.REOPENED, S.PENDING_INTERNAL),
    (S.REOPENED, S.ESCALATED), (S.REOPENED, S.RESOLVED),
}  # fmt: skip


@pytest.mark.parametrize(("current", "target"), list(itertools.product(TicketStatus, TicketStatus)))
def test_every_pair_follows_the_table(current: TicketStatus, target: TicketStatus) -> None:
    if (current, target) in ALLOWED:
        check_transition(current.value, target)
        return
    with pytest.raises(InvalidTransition) as refused:
        check_transition(current.value, target)
    assert refused.value.field == "status"
    assert refused.value.extra == {"current": current.value, "requested": target.value}


def test_table_covers_every_status_and_nothing_returns_to_new() -> None:
    assert set(TRANSITIONS) == set(TicketStatus)
    assert all(S.NEW not in targets for targets in TRANSITIONS.values())
    # Closing only ever follows a resolution.
    assert {c for c, targets in TRANSITIONS.items() if S.CLOSED in targets} == {S.RESOLVED}


def test_sla_due_from_the_hours_table() -> None:
    rules = TicketRules()
    created = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    assert rules.sla_due(created, TicketPriority.URGENT) == created + timedelta(hours=4)
    assert rules.sla_due(created, TicketPriority.LOW) == created + timedelta(hours=120)
    custom = TicketRules(sla_hours={p: 1 for p in TicketPriority})
    assert custom.sla_due(created, TicketPriority.LOW) == created + timedelta(hours=1)


def test_sla_table_must_name_every_priority() -> None:
    with pytest.raises(ValidationError) as refused:
        TicketRules(sla_hours={TicketPriority.LOW: 10})
    assert refused.value.errors()[0]["loc"] == ("sla_hours",)
    assert "urgent" in str(refused.value)


def test_sla_hours_out_of_range_refused() -> None:
    with pytest.raises(ValidationError):
        TicketRules(sla_hours={p: 0 for p in TicketPriority})


def test_rules_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "CAREDESK_TICKETS_SLA_HOURS", '{"low": 100, "normal": 50, "high": 10, "urgent": 2}'
    )
    monkeypatch.setenv("CAREDESK_TICKETS_REOPEN_WINDOW_DAYS", "7")
    rules = TicketRules()
    assert rules.sla_hours[TicketPriority.URGENT] == 2
    assert rules.reopen_window_days == 7


def test_bad_environment_value_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREDESK_TICKETS_RESOLUTION_CHECK_DAYS", "0")
    with pytest.raises(ValidationError) as refused:
        TicketRules()
    assert "resolution_check_days" in str(refused.value)


def test_case_numbers_and_references() -> None:
    assert case_number_for(123) == "CS-000123"
    assert case_number_for(12345678) == "CS-12345678"
    assert parse_ticket_ref("cs-000123") == ("case_number", "CS-000123")
    assert parse_ticket_ref(" 42 ") == ("id", 42)
    for bad in ["CS-12", "ticket", "", "-1", "1" * 13, "CS-000123; drop"]:
        with pytest.raises(ValidationFailed) as refused:
            parse_ticket_ref(bad)
        assert refused.value.field == "ticket"


@pytest.mark.parametrize(
    "text", [None, "", "   ", "fix", "..........", "aaaaaaaaaaaa", "ab ab ab ab"]
)
def test_trivial_reasons_refused(text: str | None) -> None:
    with pytest.raises(ValidationFailed) as refused:
        require_meaningful(text, field="reason")
    assert refused.value.field == "reason"


def test_meaningful_reason_kept_trimmed() -> None:
    assert require_meaningful("  Tower outage, needs BTS  ", field="reason") == (
        "Tower outage, needs BTS"
    )
