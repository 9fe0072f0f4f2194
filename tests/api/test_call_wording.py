"""How the callback's record reads to a support lead: "why not now" for a callback nobody has
taken yet speaks of the agent who takes it and the platform line (no "agent unassigned", no
"line (not recorded)"), and the wrap-up memo is signed with the agent's name, not the login's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, ScriptedGateway

PLACEHOLDER = re.compile(r"\bunassigned\b|\(not recorded\)|\bNone\b|\(none\)|\s{2,}")
MEMO = {
    "reason": "Device troubleshooting follow-up",
    "summary": "Reset the network settings together; calls and data work again.",
    "customer_response": "Customer confirmed the phone works and needs nothing else.",
}


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _sentences(why: dict[str, Any]) -> list[str]:
    return [item["sentence"] for item in why["failed"] + why["passed"]]


def test_why_not_now_for_a_callback_nobody_took_reads_without_placeholders(desk: Desk) -> None:
    account = desk.account()
    _, agent = desk.agent()
    for lob, extra in (("care", {}), ("sa_bts", {"ticket": desk.ticket(account)})):
        callback = desk.request(
            agent if lob == "care" else desk.agent(lob=lob, role="specialist")[1],
            account_id=account["id"],
            origin="follow_up" if lob == "care" else "sa_ticket",
            reason="device_troubleshooting" if lob == "care" else "ticket_troubleshooting",
            line_of_business=lob,
            **extra,
        )
        sentences = _sentences(desk.why(callback["id"]))
        assert sentences
        for sentence in sentences:
            assert not PLACEHOLDER.search(sentence), sentence
    state = [s for s in _sentences(desk.why(callback["id"])) if "Follow-Up" in s]
    assert "the agent who takes it dials from Not Ready - Follow-Up" in state


def test_the_wrap_up_memo_is_signed_with_the_agents_name(desk: Desk) -> None:
    account = desk.account()
    agent_id, agent = desk.agent()
    name = desk.client.get(f"/v1/agents/{agent_id}", headers=desk.admin).json()["name"]
    callback = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        owner_agent_id=agent_id,
    )
    desk.notified(callback["id"])
    desk.follow_up(agent_id, agent)
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    attempt = desk.start(callback["id"], agent).json()
    desk.poll(callback["id"], attempt["id"], agent)
    desk.client.post(f"/v1/callbacks/{callback['id']}/hangup", json={}, headers=agent)
    done = desk.wrap_up(callback["id"], agent, outcome="resolved", memo=MEMO)
    assert done.status_code == 200, done.text

    note = desk.client.post(
        f"/v1/accounts/{account['id']}/memos",
        json={"kind": "note", "reason": "Account note", "summary": "Prefers texts to calls."},
        headers=agent,
    )
    assert note.status_code == 201, note.text
    memos = desk.client.get(f"/v1/accounts/{account['id']}/memos", headers=desk.admin).json()
    assert [(m["author_name"], m["author_agent_id"]) for m in memos["items"]] == [
        (name, agent_id),
        (name, agent_id),
    ]
    assert name != "Test agent"  # the login's display name is not the author
