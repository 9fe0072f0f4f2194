"""Builders for the callback tests: accounts, agents and callbacks made through HTTP, the outbox
delivered with a sender of the test's choosing, and a scripted voice gateway (a fake of our own
``VoiceGateway`` port) whose calls end the way the test says."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caredesk.audit.models import AuditEvent
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackEvent
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.scheduling import advance_after_notifications
from caredesk.channels.delivery import DeliveryReport, RetryPolicy, deliver_due
from caredesk.channels.email.log_sender import LogSender
from caredesk.channels.models import OutboxMessage
from caredesk.channels.ports import CallEvent, CallEventKind, MessageSender, VoiceGateway
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.memos.models import Memo
from caredesk.tickets.models import TicketUpdate
from caredesk.users.models import Role
from tests.conftest import TokenMaker

PROBLEM = "application/problem+json"
LINE = "+12065550100"  # the first platform line of the default settings
PIN = "739164"
DENVER_PHONE = "+13035550123"
_numbers = itertools.count(1)


class ScriptedGateway:
    """Each dial ends the way the next scripted signal says; an answered call ends when the test
    hangs up or ``end_calls`` is called. Same call ref, same call (as the port requires)."""

    def __init__(self, signals: Iterable[CallEventKind], lines: Iterable[str] = (LINE,)) -> None:
        self._signals = list(signals)
        self._lines = frozenset(lines)
        self._calls: dict[str, list[CallEvent]] = {}
        self._by_ref: dict[str, str] = {}
        self._lock = threading.Lock()
        self.dialed: list[tuple[str, str]] = []
        self.hung_up: list[str] = []

    def platform_lines(self) -> frozenset[str]:
        return self._lines

    def dial(self, dial_string: str, *, from_line: str, call_ref: str) -> str:
        with self._lock:
            if call_ref in self._by_ref:
                return self._by_ref[call_ref]
            signal = self._signals.pop(0)
            call_id = f"scripted-{len(self._calls) + 1}"
            at = datetime(2000, 1, 1, tzinfo=UTC)
            events = [CallEvent(CallEventKind.RINGING, at), CallEvent(signal, at)]
            if signal is not CallEventKind.ANSWERED:
                events.append(CallEvent(CallEventKind.ENDED, at))
            self._calls[call_id] = events
            self._by_ref[call_ref] = call_id
            self.dialed.append((dial_string, from_line))
            return call_id

    def poll(self, call_id: str, *, now: datetime | None = None) -> list[CallEvent]:
        with self._lock:
            return list(self._calls[call_id])

    def hangup(self, call_id: str) -> None:
        with self._lock:
            self.hung_up.append(call_id)
            events = self._calls[call_id]
            if events[-1].kind is not CallEventKind.ENDED:
                events.append(CallEvent(CallEventKind.ENDED, events[-1].at))

    def end_calls(self) -> None:
        for call_id in list(self._calls):
            self.hangup(call_id)


class Desk:
    """One test's view of the platform: the HTTP client, the database and the clock."""

    def __init__(
        self, client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
    ) -> None:
        self.client = client
        self.auth = auth
        self.db = db
        self.clock = clock
        self.admin = auth(Role.ADMIN)
        self.sender = LogSender()

    # --- the runtime -----------------------------------------------------------------------
    @property
    def runtime(self) -> CallbackRuntime:
        runtime: CallbackRuntime = self.client.app.state.callbacks  # type: ignore[attr-defined]
        return runtime

    def use_gateway(self, gateway: VoiceGateway) -> None:
        app = self.client.app
        app.state.callbacks = dataclasses.replace(self.runtime, gateway=gateway)  # type: ignore[attr-defined]

    # --- people ---------------------------------------------------------------------------
    def account(
        self,
        *,
        zone: str | None = "America/Denver",
        phone: str = DENVER_PHONE,
        email: str | None = "ana@example.com",
        pin: str | None = PIN,
    ) -> dict[str, Any]:
        n = next(_numbers)
        contacts: list[dict[str, Any]] = [{"kind": "phone", "value": phone, "label": "mobile"}]
        if email:
            contacts.append({"kind": "email", "value": email})
        person: dict[str, Any] = {
            "first_name": "Ana",
            "last_name": "Lopez",
            "role": "account_holder",
            "contact_points": contacts,
        }
        if pin:
            person["pin"] = pin
        body: dict[str, Any] = {
            "number": f"ACC-{9000000 + n}",
            "type": "consumer",
            "balance": "0.00",
            "service_address": {"country": "US", "time_zone": zone} if zone else {},
            "people": [person],
        }
        response = self.client.post("/v1/accounts", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def agent(
        self, *, lob: str = "care", role: str = "agent", line: str = LINE, zone: str = "UTC"
    ) -> tuple[int, dict[str, str]]:
        n = next(_numbers)
        body = {
            "login": f"agent{n}",
            "name": f"Agent {n}",
            "role": role,
            "line_of_business": lob,
            "time_zone": zone,
            "platform_line": line,
        }
        response = self.client.post("/v1/agents", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        agent_id = int(response.json()["id"])
        user_role = Role.SPECIALIST if role == "specialist" else Role.AGENT
        return agent_id, self.auth(user_role, agent_id=agent_id)

    def state(self, agent_id: int, headers: dict[str, str], state: str) -> None:
        response = self.client.post(
            f"/v1/agents/{agent_id}/state", json={"state": state}, headers=headers
        )
        assert response.status_code == 200, response.text

    def follow_up(self, agent_id: int, headers: dict[str, str]) -> None:
        self.state(agent_id, headers, "not_ready_follow_up")

    def shifts(self, agent_id: int, shifts: list[dict[str, Any]]) -> None:
        response = self.client.put(
            f"/v1/agents/{agent_id}/shifts", json={"shifts": shifts}, headers=self.admin
        )
        assert response.status_code == 200, response.text

    def ticket(self, account: dict[str, Any]) -> str:
        response = self.client.post(
            "/v1/tickets",
            json={
                "account_id": account["id"],
                "subject": "No data",
                "description": "Since Monday.",
            },
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["case_number"])

    # --- callbacks ------------------------------------------------------------------------
    def request(self, headers: dict[str, str], *, expect: int = 201, **body: Any) -> dict[str, Any]:
        response = self.client.post("/v1/callbacks", json=body, headers=headers)
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    def dropped_call(self, account: dict[str, Any], agent_id: int, headers: dict[str, str]) -> int:
        start = self.clock.now() - timedelta(minutes=10)
        body = {
            "channel": "voice",
            "direction": "inbound",
            "account_id": account["id"],
            "agent_id": agent_id,
            "from_address": account["people"][0]["contact_points"][0]["value"],
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=4)).isoformat(),
            "disposition": "dropped",
        }
        response = self.client.post("/v1/interactions", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def get(self, callback_id: int) -> dict[str, Any]:
        response = self.client.get(f"/v1/callbacks/{callback_id}", headers=self.admin)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def events(self, callback_id: int) -> list[dict[str, Any]]:
        response = self.client.get(
            f"/v1/callbacks/{callback_id}/events?limit=200", headers=self.admin
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def why(self, callback_id: int, **params: Any) -> dict[str, Any]:
        response = self.client.get(
            f"/v1/callbacks/{callback_id}/why-not-now", params=params, headers=self.admin
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def start(self, callback_id: int, headers: dict[str, str], **body: Any) -> Any:
        return self.client.post(f"/v1/callbacks/{callback_id}/start", json=body, headers=headers)

    def poll(self, callback_id: int, attempt_id: int, headers: dict[str, str]) -> dict[str, Any]:
        response = self.client.post(
            f"/v1/callbacks/{callback_id}/attempts/{attempt_id}/poll", headers=headers
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def step(self, callback_id: int, headers: dict[str, str], step: str, **body: Any) -> Any:
        return self.client.post(
            f"/v1/callbacks/{callback_id}/steps", json={"step": step, **body}, headers=headers
        )

    def wrap_up(self, callback_id: int, headers: dict[str, str], **body: Any) -> Any:
        return self.client.post(f"/v1/callbacks/{callback_id}/wrap-up", json=body, headers=headers)

    # --- the outbox and the notice step ---------------------------------------------------
    def deliver(self, sender: MessageSender | None = None) -> DeliveryReport:
        return deliver_due(
            self.db,
            sender or self.sender,
            now=self.clock.now(),
            worker_id="test-outbox",
            retry=RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=12),
        )

    def advance(self) -> int:
        with self.db.uow() as uow:
            return advance_after_notifications(
                uow, policy=self.runtime.policy, now=self.clock.now()
            )

    def notified(self, callback_id: int) -> dict[str, Any]:
        """Delivers the outbox and advances: the callback is then scheduled."""
        self.deliver()
        self.advance()
        return self.get(callback_id)

    # --- what is stored -------------------------------------------------------------------
    def count(self, model: Any) -> int:
        with self.db.uow() as uow:
            return uow.session.scalar(select(func.count()).select_from(model)) or 0

    def counts(self) -> dict[str, int]:
        models = (Callback, CallbackAttempt, CallbackEvent, Memo, TicketUpdate, OutboxMessage)
        return {model.__tablename__: self.count(model) for model in models} | {
            "audit_events": self.count(AuditEvent)
        }

    def outbox(self) -> list[OutboxMessage]:
        with self.db.uow() as uow:
            rows = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            uow.session.expunge_all()  # readable after the unit of work closes
            return rows


def instant(value: str | None) -> datetime | None:
    """An instant from a response (``...Z`` or ``...+00:00``)."""
    return datetime.fromisoformat(value) if value else None


def refused(response: Any, *rule_ids: str) -> dict[str, Any]:
    """A 409 policy refusal naming exactly these rules among the failed ones."""
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == "/problems/policy-refused"
    for rule_id in rule_ids:
        assert rule_id in body["rule_ids"], body["rule_ids"]
    assert body["decision"]["allowed"] is False
    return body
