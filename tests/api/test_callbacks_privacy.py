"""Secrets on the guided call: a Service Assurance PIN/passcode check is answered (matched or
not) and audited with the account change it authorises, and the PIN itself is nowhere: not in a
response, a callback event, an audit record or a log line. Proof of the call is exactly the
three facts OB-PROOF allows."""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.audit.models import AuditEvent
from caredesk.callbacks.models import Callback, CallbackEvent
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import PIN, Desk, ScriptedGateway, refused

PROOF_KEYS = {"last_bill_amount", "devices_in_use", "last_care_call_date"}
CHANGE = "Reset the voicemail box so the customer can test it"


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _rows_text(db: Database) -> str:
    with db.uow() as uow:
        parts: list[Any] = []
        for event in uow.session.scalars(select(CallbackEvent)):
            parts += [event.kind, event.detail, event.facts, event.rule_ids]
        for audit in uow.session.scalars(select(AuditEvent)):
            parts += [audit.action, audit.before, audit.after, audit.details]
        for callback in uow.session.scalars(select(Callback)):
            parts += [callback.refusal_detail, callback.refused_rules]
        return repr(parts)


def _sa_call_in_progress(desk: Desk) -> tuple[int, dict[str, Any], dict[str, str]]:
    account = desk.account()
    base = f"/v1/accounts/{account['id']}"
    line = desk.client.post(f"{base}/lines", json={"msisdn": "+13035550123"}, headers=desk.admin)
    desk.client.post(
        f"{base}/devices",
        headers=desk.admin,
        json={"make": "Pixel", "model": "9", "line_id": line.json()["id"]},
    )
    desk.client.post(
        f"{base}/bills",
        headers=desk.admin,
        json={
            "period_start": "2026-02-01",
            "period_end": "2026-02-28",
            "amount": "64.20",
            "due_date": "2026-03-20",
        },
    )
    ticket = desk.client.post(
        "/v1/tickets",
        headers=desk.admin,
        json={
            "account_id": account["id"],
            "subject": "Voicemail broken",
            "description": "No greeting.",
        },
    ).json()
    specialist_id, specialist = desk.agent(lob="sa_bts", role="specialist")
    callback = desk.request(
        specialist,
        account_id=account["id"],
        origin="sa_ticket",
        reason="ticket_troubleshooting",
        line_of_business="sa_bts",
        ticket=ticket["case_number"],
    )
    desk.notified(callback["id"])
    desk.follow_up(specialist_id, specialist)
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    attempt = desk.start(callback["id"], specialist).json()
    assert desk.poll(callback["id"], attempt["id"], specialist)["result"] == "contact"
    return callback["id"], account, specialist


def test_a_service_assurance_pin_check_stores_the_pin_nowhere(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    callback_id, _account, specialist = _sa_call_in_progress(desk)
    responses = []

    early = desk.step(callback_id, specialist, "verify_pin", pin=PIN, account_change=CHANGE)
    refused(early, "OB-DISCLOSURE", "OB-VERIFY-NAME")
    responses.append(early)
    for step in ("verify_name", "disclosure"):
        done = desk.step(callback_id, specialist, step)
        assert done.status_code == 200, done.text
        responses.append(done)
    unexplained = desk.step(callback_id, specialist, "verify_pin", pin=PIN)
    body = refused(unexplained, "OB-NO-SSN-PIN")
    assert "Record the account change" in body["decision"]["required_steps"][0]["label"]
    responses.append(unexplained)

    matched = desk.step(callback_id, specialist, "verify_pin", pin=PIN, account_change=CHANGE)
    assert matched.status_code == 200, matched.text
    assert (matched.json()["kind"], matched.json()["pin_matched"]) == ("pin_checked", True)
    wrong = desk.step(callback_id, specialist, "verify_pin", pin="000000", account_change=CHANGE)
    assert wrong.json()["pin_matched"] is False
    malformed = desk.step(callback_id, specialist, "verify_pin", pin="12ab", account_change=CHANGE)
    assert malformed.status_code == 422 and malformed.json()["field"] == "pin"
    responses += [matched, wrong, malformed]
    refused_ssn = desk.step(callback_id, specialist, "verify_ssn")
    refused(refused_ssn, "OB-NO-SSN-PIN")
    responses.append(refused_ssn)

    checks = [e for e in desk.events(callback_id) if e["kind"] == "pin_checked"]
    assert [(e["facts"]["account_change"], e["facts"]["matched"]) for e in checks] == [
        (CHANGE, True),
        (CHANGE, False),
    ]
    audit = desk.client.get(
        "/v1/audit-events", params={"subject_type": "callback"}, headers=desk.admin
    )
    responses += [audit, desk.client.get(f"/v1/callbacks/{callback_id}", headers=desk.admin)]
    responses.append(desk.client.get(f"/v1/callbacks/{callback_id}/events", headers=desk.admin))
    assert "callback.pin_checked" in audit.text
    for response in responses:
        assert PIN not in response.text
    assert PIN not in _rows_text(desk.db)
    assert PIN not in caplog.text


def test_proof_of_the_call_is_exactly_three_facts_once_the_name_is_verified(desk: Desk) -> None:
    callback_id, _account, specialist = _sa_call_in_progress(desk)
    url = f"/v1/callbacks/{callback_id}/proof-facts"
    before = desk.client.get(url, headers=specialist)
    refused(before, "OB-VERIFY-NAME")
    desk.step(callback_id, specialist, "verify_name")
    desk.step(callback_id, specialist, "disclosure")

    shown = desk.client.get(url, headers=specialist)
    assert shown.status_code == 200, shown.text
    assert set(shown.json()) == PROOF_KEYS
    assert shown.json()["last_bill_amount"] == "64.20"
    assert shown.json()["devices_in_use"] == ["Pixel 9"]
    given = desk.step(callback_id, specialist, "proof")
    assert given.status_code == 200, given.text
    assert set(given.json()["proof"]) == PROOF_KEYS
    too_much = desk.step(callback_id, specialist, "proof", proof_facts=["account_balance"])
    refused(too_much, "OB-PROOF")
    assert set(desk.client.get(url, headers=specialist).json()) == PROOF_KEYS


def _named(desk: Desk, callback_id: int, specialist: dict[str, str]) -> None:
    for step in ("verify_name", "disclosure"):
        assert desk.step(callback_id, specialist, step).status_code == 200


def _pin_checks(desk: Desk, callback_id: int) -> list[dict[str, Any]]:
    return [e for e in desk.events(callback_id) if e["kind"] == "pin_checked"]


def test_pin_checks_stop_at_the_attempt_limit_each_audited_without_the_pin(desk: Desk) -> None:
    callback_id, _account, specialist = _sa_call_in_progress(desk)
    _named(desk, callback_id, specialist)
    limit = desk.runtime.policy.max_pin_attempts
    assert limit == 3  # the shipped default
    wrong = ["000000", "111111", "222222"]
    for guess in wrong:
        tried = desk.step(callback_id, specialist, "verify_pin", pin=guess, account_change=CHANGE)
        assert tried.status_code == 200 and tried.json()["pin_matched"] is False, tried.text

    # Even the right PIN is not checked any more: the answer names the rule and says why.
    late = desk.step(callback_id, specialist, "verify_pin", pin=PIN, account_change=CHANGE)
    body = refused(late, "OB-NO-SSN-PIN")
    [failed] = [r for r in body["decision"]["failed"] if r["rule_id"] == "OB-NO-SSN-PIN"]
    assert failed["sentence"] == (
        "the PIN/passcode did not match 3 times on this callback and 3 times is the limit; "
        "no further PIN/passcode check is taken"
    )
    assert "pin_matched" not in late.text

    checks = _pin_checks(desk, callback_id)
    assert [(e["facts"]["matched"], e["facts"]["failed_checks"]) for e in checks] == [
        (False, 1),
        (False, 2),
        (False, 3),
    ]
    audit = desk.client.get(
        "/v1/audit-events", params={"subject_type": "callback"}, headers=desk.admin
    ).text
    assert audit.count("callback.pin_checked") == 3
    assert "callback.step_refused" in audit
    for secret in [PIN, *wrong]:
        assert secret not in audit and secret not in _rows_text(desk.db)


def test_pin_check_limit_is_configurable_and_holds_under_concurrent_guesses(desk: Desk) -> None:
    callback_id, _account, specialist = _sa_call_in_progress(desk)
    _named(desk, callback_id, specialist)
    runtime = desk.runtime
    policy = dataclasses.replace(runtime.policy, max_pin_attempts=1)
    desk.client.app.state.callbacks = dataclasses.replace(runtime, policy=policy)  # type: ignore[attr-defined]

    def guess(n: int) -> Any:
        pin = f"{n:06d}"
        return desk.step(callback_id, specialist, "verify_pin", pin=pin, account_change=CHANGE)

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(guess, range(4)))
    codes = sorted(response.status_code for response in responses)
    assert codes.count(200) == 1 and set(codes) == {200, 409}, [r.text for r in responses]
    assert [e["facts"]["matched"] for e in _pin_checks(desk, callback_id)] == [False]
    refused(guess(7), "OB-NO-SSN-PIN")
