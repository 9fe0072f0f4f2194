"""Entry overflow rules on the stored path, over HTTP: the shipped rules (billing's long
estimate and general care's closing time offer a callback) and, with a routing file of the
test's own, a move to another queue, a message that ends the call and a full queue's voicemail.
A rule whose action cannot be carried out for this caller (a callback or a voicemail with no
known account) is passed over: the caller simply waits."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.routing.config import parse_routing_config
from caredesk.routing.config_file import default_routing_text
from caredesk.users.models import Role
from tests.api.test_ivr_calls import CALLER, NOBODY, answer
from tests.api.test_ivr_waits import serving, to_queue
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import DENVER_PHONE, Desk


def use_overflow(client: TestClient, queue: str, *rules: dict[str, Any]) -> None:
    """The shipped routing file with `queue`'s overflow rules replaced by `rules`."""
    data = tomllib.loads(default_routing_text())
    data["queues"][queue]["overflow"] = list(rules)
    client.app.state.routing = parse_routing_config(data)  # type: ignore[attr-defined]


def test_a_long_billing_estimate_offers_a_callback_with_its_message(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=5, wrap=2, busy=True)
    for _ in range(2):
        waiting = to_queue(client, phone, CALLER, "1")
        # Unknown callers: the rule cannot call them back, so they simply wait.
        assert waiting["phase"] == "ended" and waiting["result"]["overflow_rule"] is None
    offered = to_queue(client, phone, DENVER_PHONE, "1")
    assert offered["result"]["estimated_wait"]["seconds"] == 1260.0
    assert (offered["phase"], offered["result"]["overflow_rule"]) == ("offer", "long_estimate")
    assert offered["say"][2:] == [
        "The wait for billing is long right now. We can call you back and keep your place in line.",
        offered["say"][3],
    ]
    assert offered["say"][3].startswith("Instead of holding")
    assert answer(client, offered["id"], phone, digit="1").json()["result"]["outcome"] == (
        "callback"
    )


def test_general_care_offers_a_callback_when_it_closes_within_five_minutes(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    # 21:57 in New York: general care closes at 22:00.
    clock.set(datetime(2026, 3, 11, 1, 57, tzinfo=UTC))
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    offered = to_queue(client, phone, DENVER_PHONE, "0")
    assert (offered["phase"], offered["result"]["overflow_rule"]) == ("offer", "closing_soon")
    assert offered["say"][1:3] == [
        NOBODY,
        "We close in a few minutes. We can call you back first thing when we open.",
    ]
    assert to_queue(client, phone, CALLER, "0")["result"]["outcome"] == "queued"


def test_a_rule_moves_the_caller_to_another_queue(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    use_overflow(
        client,
        "billing",
        {
            "name": "no_one",
            "when": "waiting_per_agent_over",
            "limit": 3,
            "action": "queue",
            "queue": "general_care",
        },
    )
    phone = auth(Role.AGENT)
    moved = to_queue(client, phone, CALLER, "1")["result"]
    assert (moved["queue"], moved["chosen_queue"], moved["reason"], moved["overflow_rule"]) == (
        "general_care",
        "billing",
        "overflow",
        "no_one",
    )
    assert moved["outcome"] == "queued"
    # Staffed, with few waiting: the rule does not apply.
    serving(Desk(client, auth, db, clock), "billing", talk=2, wrap=1, busy=True)
    stays = to_queue(client, phone, CALLER, "1")["result"]
    assert (stays["queue"], stays["reason"], stays["overflow_rule"]) == (
        "billing",
        "selected",
        None,
    )


def test_a_message_rule_ends_the_call_and_a_full_queue_takes_a_voicemail(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    desk.account()
    use_overflow(
        client,
        "technical",
        {
            "name": "full",
            "when": "queue_full",
            "limit": 1,
            "action": "voicemail",
            "message": {
                "en": "Every technician is busy. Please leave a message.",
                "es": "Deje un mensaje.",
            },
        },
    )
    phone = auth(Role.AGENT)
    assert to_queue(client, phone, CALLER, "2")["result"]["overflow_rule"] is None
    full = to_queue(client, phone, DENVER_PHONE, "2")
    assert (full["phase"], full["result"]["overflow_rule"]) == ("voicemail", "full")
    assert full["say"][-1] == "Every technician is busy. Please leave a message."
    left = answer(client, full["id"], phone, words="My phone restarts by itself").json()
    assert left["result"]["case"] is not None
    use_overflow(
        client,
        "account",
        {
            "name": "closed_today",
            "when": "waiting_per_agent_over",
            "limit": 0,
            "action": "message",
            "message": {"en": "Account changes are online today only.", "es": "Solo en línea hoy."},
        },
    )
    told = to_queue(client, phone, CALLER, "3")
    assert (told["phase"], told["result"]["outcome"]) == ("ended", "closed")
    assert told["say"][-1] == "Account changes are online today only."


def test_with_nobody_logged_in_a_known_caller_is_offered_a_callback(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    # Account and plan changes: no overflow rule of its own, the default offer threshold, and
    # nobody with its skill logged in, so no figure and no end to the wait anyone can tell.
    offered = to_queue(client, phone, DENVER_PHONE, "3")
    assert offered["result"]["queue"] == "account"
    assert offered["result"]["overflow_rule"] is None
    assert offered["result"]["estimated_wait"]["kind"] == "nobody"
    assert offered["phase"] == "offer" and offered["result"]["callback_offered"] is True
    assert offered["say"][1] == NOBODY
    assert offered["say"][2].startswith("Instead of holding")
    # Unknown callers cannot be called back: they wait, told the same.
    waiting = to_queue(client, phone, CALLER, "3")
    assert waiting["phase"] == "ended" and waiting["result"]["callback_offered"] is False
