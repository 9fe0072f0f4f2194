"""One account with a record of every kind a path can name (person, consent, case, memo,
interaction, callback, attempt), made through HTTP, and the values to put in each path parameter
of /openapi.json. The route-wide access tests build one or two of these."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from caredesk.channels.ports import CallEventKind
from caredesk.users.models import Role
from tests.integration.callbacks.builders import Desk, ScriptedGateway

PATH_PARAM = re.compile(r"\{([a-z_]+)\}")
WRITES = ("post", "put", "patch", "delete")
# Ids no test makes (well inside the 32-bit range every id parameter accepts).
MISSING = {
    "account_id": "987654",
    "person_id": "987653",
    "consent_id": "987652",
    "ref": "CS-987651",
    "memo_id": "987650",
    "interaction_id": "987649",
    "callback_id": "987648",
    "attempt_id": "987647",
    "agent_id": "987646",
    "login": "nobody-987645",
    "call_id": "987644",
}
# Words that would only be in a response that carries internal data (see build_world).
MEMO_TEXT = "Zq7 memo: customer sounded unsure about the upgrade"
INTERNAL_NOTE = "Zq7 internal: waiting on the network team's ticket"
ESCALATION_NOTE = "Zq7 escalation: second outage this month"
WRAP_UP_SUMMARY = "Zq7 wrap-up: reset the APN settings with the customer on the line."
AGENT_NAME = "Quillon Vantreece"
CONTACT_NOTE = "Zq7 contact note: sounded annoyed, call after 5pm only"


@dataclass
class World:
    account: dict[str, Any]
    customer: dict[str, str]
    agent_id: int
    agent: dict[str, str]
    values: dict[str, str] = field(default_factory=dict)

    def path(self, template: str, **override: str) -> str:
        return PATH_PARAM.sub(lambda m: override.get(m.group(1), self.values[m.group(1)]), template)


def operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (METHOD, path template) in the OpenAPI document."""
    return [
        (method.upper(), template)
        for template, items in spec["paths"].items()
        for method in items
        if method in ("get", *WRITES)
    ]


def build_world(desk: Desk, *, with_call: bool = True) -> World:
    """An account and one record of every kind on it, with internal data a customer must never
    read: a memo, an internal case update, an escalation, a callback's wrap-up and an agent's
    note on a contact point."""
    account = desk.account()
    admin = desk.admin
    client = desk.client
    account_id = account["id"]
    agent_id, agent = desk.agent()
    renamed = client.patch(f"/v1/agents/{agent_id}", json={"name": AGENT_NAME}, headers=admin)
    assert renamed.status_code == 200, renamed.text
    login = f"customer-of-{account_id}-{agent_id}"
    customer = desk.auth(Role.CUSTOMER, account_id=account_id, login=login)
    person_id = account["people"][0]["id"]

    def made(response: Any) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    made(
        client.post(
            f"/v1/accounts/{account_id}/people/{person_id}/contact-points",
            json={
                "kind": "email",
                "value": "ana.work@example.com",
                "given_by": f"agent:{agent_id}",
                "note": CONTACT_NOTE,
            },
            headers=agent,
        )
    )
    start = desk.clock.now() + timedelta(days=2)
    consent = made(
        client.post(
            f"/v1/accounts/{account_id}/consents",
            json={
                "person_id": person_id,
                "window_start": start.isoformat(),
                "window_end": (start + timedelta(hours=1)).isoformat(),
                "channel": "voice",
            },
            headers=admin,
        )
    )
    case = made(
        client.post(
            "/v1/tickets",
            json={"account_id": account_id, "subject": "No data", "description": "Since Monday."},
            headers=admin,
        )
    )["case_number"]
    made(
        client.post(
            f"/v1/tickets/{case}/updates",
            json={"body": INTERNAL_NOTE, "internal": True},
            headers=agent,
        )
    )
    escalation = {"reason": ESCALATION_NOTE, "department": "network"}
    made(client.post(f"/v1/tickets/{case}/escalate", json=escalation, headers=agent))
    memo = made(
        client.post(
            f"/v1/accounts/{account_id}/memos",
            json={"kind": "note", "reason": "Upgrade question", "summary": MEMO_TEXT},
            headers=agent,
        )
    )
    interaction_id = desk.dropped_call(account, agent_id, agent)
    callback = desk.request(
        agent,
        account_id=account_id,
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        ticket=case,
    )
    ivr_call = made(client.post("/v1/ivr/calls", json={"number": "+14155550123"}, headers=customer))
    attempt_id = MISSING["attempt_id"]
    if with_call:
        attempt_id = str(_call_and_wrap_up(desk, callback["id"], agent_id, agent))
    world = World(account, customer, agent_id, agent)
    world.values = {
        "account_id": str(account_id),
        "person_id": str(person_id),
        "consent_id": str(consent["id"]),
        "ref": case,
        "memo_id": str(memo["id"]),
        "interaction_id": str(interaction_id),
        "callback_id": str(callback["id"]),
        "attempt_id": attempt_id,
        "agent_id": str(agent_id),
        "login": login,
        "call_id": str(ivr_call["id"]),
    }
    return world


def _call_and_wrap_up(desk: Desk, callback_id: int, agent_id: int, agent: dict[str, str]) -> int:
    """Notify, dial, reach the customer, hang up and wrap up with a memo and a case update."""
    assert desk.notified(callback_id)["status"] == "scheduled"
    desk.follow_up(agent_id, agent)
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    attempt = desk.start(callback_id, agent).json()
    assert desk.poll(callback_id, attempt["id"], agent)["result"] == "contact"
    ended = desk.client.post(f"/v1/callbacks/{callback_id}/hangup", json={}, headers=agent)
    assert ended.status_code == 200, ended.text
    done = desk.wrap_up(
        callback_id,
        agent,
        outcome="resolved",
        memo={
            "reason": "Ticket follow-up on the dropped data connection",
            "summary": WRAP_UP_SUMMARY,
            "customer_response": "Customer confirmed data works and is happy to close the ticket.",
        },
        ticket_update={
            "findings": "The APN was set to an old value after the last update.",
            "actions_taken": "Reset the APN to the current carrier value together.",
            "new_information": "Customer will report if it comes back after the next update.",
        },
    )
    assert done.status_code == 200, done.text
    return int(attempt["id"])
