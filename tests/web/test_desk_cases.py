"""A case on the desktop: its whole timeline (internal entries marked), an update, a status
change, an escalation, the resolution with its follow-up date and the reopening, each through
the tickets use cases; a refusal is said at its form and a secret is never shown back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.tickets.models import Ticket
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.desk_support import agent, page, post

CARD = "4111 1111 1111 1111"


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _ticket(desk: Desk, case: str) -> Ticket:
    with desk.db.uow() as uow:
        ticket = uow.session.scalars(select(Ticket).where(Ticket.case_number == case)).one()
        uow.session.expunge(ticket)
        return ticket


def test_update_escalate_resolve_and_reopen_a_case(desk: Desk) -> None:
    case = desk.ticket(desk.account())
    leader_id, _ = desk.agent(role="leader")
    who = agent(desk)
    view = f"/desk/cases/{case}"
    first = page(desk, who, view)
    assert "No data" in first and "Since Monday." in first
    assert f'<option value="{leader_id}">' in first

    added = post(desk, who, f"{view}/updates", body="Reset the APN on the line.", kind="comment")
    assert added.status_code == 303
    internal = post(
        desk, who, f"{view}/updates", body="Tower 4471 is down.", kind="follow_up", internal="true"
    )
    assert internal.status_code == 303
    timeline = page(desk, who, f"{view}/timeline")
    assert "Reset the APN on the line." in timeline
    assert "Tower 4471 is down." in timeline and "internal</span>" in timeline

    secret = post(desk, who, f"{view}/updates", body=f"Customer read out {CARD}")
    assert secret.status_code == 422
    assert "card number" in secret.text and "4111" not in secret.text

    assert post(desk, who, f"{view}/status", status="pending_customer").status_code == 303
    assert "Pending customer" in page(desk, who, view)

    short = post(desk, who, f"{view}/escalate", reason="help", leader_id=str(leader_id))
    assert short.status_code == 422 and 'id="error-escalate"' in short.text
    escalated = post(
        desk,
        who,
        f"{view}/escalate",
        reason="Second outage this month on the same tower.",
        leader_id=str(leader_id),
        department="network",
    )
    assert escalated.status_code == 303
    ticket = _ticket(desk, case)
    assert (ticket.status, ticket.escalated_to_agent_id, ticket.queue) == (
        "escalated",
        leader_id,
        "network",
    )

    resolved = post(
        desk,
        who,
        f"{view}/resolve",
        summary="The tower was repaired and data works again.",
        follow_up="2026-03-14",
    )
    assert resolved.status_code == 303
    ticket = _ticket(desk, case)
    assert ticket.status == "resolved"
    # 10:00 in the agent's zone (Denver) on the chosen day.
    assert ticket.follow_up_due_at == datetime(2026, 3, 14, 16, 0, tzinfo=UTC)
    resolved_page = page(desk, who, view)
    assert "Reopen the case" in resolved_page and "Resolve the case" not in resolved_page

    reopened = post(desk, who, f"{view}/reopen", reason="Data stopped again this morning.")
    assert reopened.status_code == 303
    assert _ticket(desk, case).status == "reopened"
    assert "Data stopped again this morning." in page(desk, who, f"{view}/timeline")


def test_a_missing_case_is_not_found(desk: Desk) -> None:
    who = agent(desk)
    assert desk.client.get("/desk/cases/CS-987651", headers=who.browser.cookie).status_code == 404
