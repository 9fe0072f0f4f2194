"""Voicemail to case over HTTP: after hours, general care's action is voicemail; a caller on a
known account leaves a message (the phone sends its transcription as words) and it opens a case
on their account, tied to the call; a secret in it is masked; `#` or silence ends the call
without one; a caller whose account is unknown is not asked for a message."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_ivr_calls import CALLER, answer
from tests.api.test_ivr_waits import to_queue
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import DENVER_PHONE, Desk

# 03:00 in New York: general care is closed.
NIGHT = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
CLOSED = (
    "We're closed right now. Please leave a message after the tone and we will open a case for you."
)


def test_a_message_left_after_hours_opens_a_case_on_the_account(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    clock.set(NIGHT)
    desk = Desk(client, auth, db, clock)
    account = desk.account()
    phone = auth(Role.AGENT)
    asked = to_queue(client, phone, DENVER_PHONE, "0")
    assert (asked["phase"], asked["say"]) == ("voicemail", [CLOSED])
    assert [(c["digit"], c["leads_to"]) for c in asked["choices"]] == [
        (None, "message"),
        ("#", "end"),
    ]
    left = answer(
        client,
        asked["id"],
        phone,
        words="No signal at home since Monday, my PIN is 482915, please call after 5",
    ).json()
    result = left["result"]
    assert (left["phase"], result["outcome"], result["after_hours_action"]) == (
        "ended",
        "closed",
        "voicemail",
    )
    case = result["case"]
    assert case is not None and case.startswith("CS-")
    assert left["say"] == [
        f"Thank you. We have opened case {case} with your message and will get back to you. "
        "Goodbye."
    ]
    ticket = client.get(f"/v1/tickets/{case}", headers=phone).json()
    assert ticket["account_id"] == account["id"]
    assert ticket["subject"] == "Voicemail for General care"
    assert "No signal at home since Monday" in ticket["description"]
    assert "482915" not in ticket["description"]
    assert (
        client.get(f"/v1/interactions/{left['id']}", headers=phone).json()["ticket_id"]
        == (ticket["id"])
    )
    steps = client.get(f"/v1/ivr/calls/{left['id']}", headers=phone).json()["steps"]
    assert (steps[-1]["menu"], steps[-1]["kind"]) == ("voicemail", "keyword")
    assert "482915" not in steps[-1]["value"]


def test_pound_or_silence_ends_without_a_case(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    clock.set(NIGHT)
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    pound = to_queue(client, phone, DENVER_PHONE, "0")
    ended = answer(client, pound["id"], phone, digit="#").json()
    assert (ended["phase"], ended["result"]["case"]) == ("ended", None)
    assert ended["say"] == ["Thank you for calling. Goodbye."]
    silent = to_queue(client, phone, DENVER_PHONE, "0")
    for _ in range(2):
        again = answer(client, silent["id"], phone, event="no_input").json()
        assert again["phase"] == "voicemail"
        assert again["say"] == ["Please leave your message after the tone, or press pound to end."]
    gone = answer(client, silent["id"], phone, event="no_input").json()
    assert (gone["phase"], gone["result"]["case"]) == ("ended", None)
    assert client.get("/v1/tickets", headers=phone).json()["items"] == []


def test_an_unknown_caller_is_not_asked_for_a_message(
    client: TestClient, auth: TokenMaker, clock: FixedClock
) -> None:
    clock.set(NIGHT)
    phone = auth(Role.AGENT)
    done = to_queue(client, phone, CALLER, "0")
    assert (done["phase"], done["result"]["after_hours_action"]) == ("ended", "voicemail")
    assert done["choices"] == []
    assert done["say"] == [
        CLOSED,
        "We could not find your account from this number, so we cannot take a message. "
        "Please call again when we are open. Goodbye.",
    ]
