"""The IVR walk over HTTP: a call starts, the caller answers by digit, words or nothing, and the
walk ends in a queue, in general care after too many misses, or in a closed queue's after-hours
action; every step is stored on the call's interaction. The clock is fixed at a Tuesday 14:00
in New York (the shipped menus' zone) unless a test moves it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import DENVER_PHONE, PROBLEM, Desk

CALLER = "+14155550123"
NOBODY = (
    "No agent for this line is available right now. Please stay on the line and we will answer "
    "as soon as one is."
)
# 03:00 in New York on that Tuesday: the standard hours (07:00-22:00) are closed.
NIGHT = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


def call(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/v1/ivr/calls", json={"number": CALLER, **body}, headers=headers)
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


def answer(client: TestClient, call_id: int, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"/v1/ivr/calls/{call_id}/input", json=body, headers=headers)


def walk(
    client: TestClient, headers: dict[str, str], *inputs: dict[str, str], **start: Any
) -> dict[str, Any]:
    current = call(client, headers, **start)
    for given in inputs:
        response = answer(client, current["id"], headers, **given)
        assert response.status_code == 200, response.text
        current = response.json()
    return current


def test_a_walk_by_digits_ends_in_the_chosen_queue(client: TestClient, auth: TokenMaker) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone)
    assert started["phase"] == "menu" and started["menu"] == "language"
    assert started["say"] == [
        "Thank you for calling. For English, press 1. Para español, oprima 2."
    ]
    assert [c["digit"] for c in started["choices"]] == ["1", "2"]
    assert started["result"] is None
    main = answer(client, started["id"], phone, digit="1").json()
    assert main["menu"] == "main" and main["say"][0].startswith("For billing and payments")
    billing = {c["digit"]: c for c in main["choices"]}["1"]
    assert (billing["leads_to"], billing["target"]) == ("queue", "billing")
    assert billing["title"] == "Billing and payments"
    done = answer(client, started["id"], phone, digit="1").json()
    assert done["phase"] == "ended" and done["choices"] == []
    # Nobody serving billing is logged in: no figure to tell, and the caller is told so (not
    # that every agent is busy).
    assert done["say"] == ["Please hold while we connect you.", NOBODY]
    result = done["result"]
    assert result["estimated_wait"] == {
        "seconds": None,
        "kind": "nobody",
        "minutes": None,
        "high_minutes": None,
        "words": NOBODY,
        "predictor": None,
    }
    assert result["callback_offered"] is False
    assert (result["outcome"], result["queue"], result["reason"], result["priority"]) == (
        "queued",
        "billing",
        "selected",
        0,
    )
    assert result["queue_title"] == "Billing and payments"


def test_words_pick_options_and_a_known_language_skips_the_language_menu(
    client: TestClient, auth: TokenMaker
) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone, language="es")
    assert (started["menu"], started["language"]) == ("main", "es")
    assert started["say"][0].startswith("Para facturación y pagos")
    business = answer(client, started["id"], phone, words="Es para mi EMPRESA").json()
    assert business["menu"] == "business" and business["say"][0].startswith("Cuentas de empresa")
    done = answer(client, started["id"], phone, words="la flota").json()
    assert (done["result"]["queue"], done["result"]["priority"]) == ("business_technical", 2)
    assert done["say"][0] == "Por favor espere mientras le comunicamos."
    assert done["say"][1].startswith("En este momento no hay ningún agente")


def test_back_and_repeat_keep_the_caller_in_the_menus(client: TestClient, auth: TokenMaker) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone, language="en")
    international = answer(client, started["id"], phone, digit="5").json()
    assert international["menu"] == "international"
    back = answer(client, started["id"], phone, digit="*").json()
    assert back["menu"] == "main"
    again = answer(client, started["id"], phone, words="repeat").json()
    assert again["menu"] == "main" and again["phase"] == "menu"
    assert again["say"] == back["say"]


def test_invalid_and_no_input_replay_the_menu_then_go_to_general_care(
    client: TestClient, auth: TokenMaker
) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone, language="en")
    call_id = started["id"]
    first = answer(client, call_id, phone, digit="7").json()
    assert first["say"][0] == "Sorry, that isn't one of the choices."
    assert first["say"][1] == started["say"][0] and first["phase"] == "menu"
    second = answer(client, call_id, phone, event="no_input").json()
    assert second["say"][0] == "Sorry, I didn't hear anything." and second["phase"] == "menu"
    third = answer(client, call_id, phone, words="bananas").json()
    assert third["phase"] == "ended"
    assert third["say"] == [
        "Let me connect you with our general care team.",
        "Please hold while we connect you.",
        NOBODY,
    ]
    assert (third["result"]["queue"], third["result"]["reason"]) == ("general_care", "fallback")


def test_a_good_answer_clears_the_misses(client: TestClient, auth: TokenMaker) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone)
    answer(client, started["id"], phone, event="invalid")
    answer(client, started["id"], phone, event="invalid")
    main = answer(client, started["id"], phone, digit="1").json()
    assert main["menu"] == "main"
    for _ in range(2):
        assert answer(client, started["id"], phone, digit="8").json()["phase"] == "menu"
    assert answer(client, started["id"], phone, digit="8").json()["result"]["reason"] == "fallback"


def test_after_hours_each_queue_follows_its_rule(
    client: TestClient, auth: TokenMaker, clock: FixedClock
) -> None:
    clock.set(NIGHT)
    phone = auth(Role.AGENT)
    billing = walk(client, phone, {"digit": "1"}, language="en")
    assert billing["phase"] == "ended"
    assert billing["say"] == [
        "Our team is closed right now. We can call you back as soon as we open."
    ]
    result = billing["result"]
    assert (result["outcome"], result["queue"], result["after_hours_action"]) == (
        "closed",
        "billing",
        "callback",
    )
    voicemail = walk(client, phone, {"digit": "0"}, language="en")["result"]
    assert (voicemail["queue"], voicemail["after_hours_action"]) == ("general_care", "voicemail")
    # Emergencies abroad never close, and carry their priority.
    emergency = walk(client, phone, {"digit": "5"}, {"words": "my phone was stolen"}, language="en")
    assert emergency["result"]["outcome"] == "queued"
    assert (emergency["result"]["queue"], emergency["result"]["priority"]) == (
        "international_emergency",
        5,
    )


def test_business_hours_are_per_queue(
    client: TestClient, auth: TokenMaker, clock: FixedClock
) -> None:
    # 05:30 in New York: business accounts are open (from 05:00), billing is not (from 07:00).
    clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    phone = auth(Role.AGENT)
    business = walk(client, phone, {"digit": "4"}, {"digit": "1"}, language="en")["result"]
    assert (business["outcome"], business["queue"]) == ("queued", "business")
    billing = walk(client, phone, {"digit": "1"}, language="en")["result"]
    assert billing["outcome"] == "closed"


def test_every_step_is_stored_on_the_calls_interaction(
    client: TestClient, auth: TokenMaker, clock: FixedClock
) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone)
    call_id = started["id"]
    answer(client, call_id, phone, digit="1")
    answer(client, call_id, phone, words="my PIN is 482915 and billing")
    interaction = client.get(f"/v1/interactions/{call_id}", headers=phone).json()
    assert (interaction["channel"], interaction["direction"]) == ("voice", "inbound")
    assert interaction["from_address"] == CALLER
    detail = client.get(f"/v1/ivr/calls/{call_id}", headers=phone).json()
    steps = [(s["seq"], s["menu"], s["kind"], s["accepted"], s["phase"]) for s in detail["steps"]]
    assert steps == [
        (0, "language", "start", True, "menu"),
        (1, "language", "digit", True, "menu"),
        (2, "main", "keyword", True, "ended"),
    ]
    assert detail["steps"][1]["value"] == "1"
    # Words said to a menu are kept, but never a PIN in them.
    assert "482915" not in detail["steps"][2]["value"]
    assert "billing" in detail["steps"][2]["value"]
    assert detail["steps"][2]["said"] == detail["say"]
    assert detail["steps"][0]["at"] == "2026-03-10T18:00:00Z"


def test_bad_requests_are_problem_documents_naming_the_field(
    client: TestClient, auth: TokenMaker
) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone)
    call_id = started["id"]

    def refused(response: Any, status: int, field: str) -> None:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["field"] == field, response.text

    refused(answer(client, 987654, phone, digit="1"), 404, "call_id")
    refused(client.get("/v1/ivr/calls/987654", headers=phone), 404, "call_id")
    refused(answer(client, call_id, phone, digit="12"), 422, "digit")
    refused(answer(client, call_id, phone, digit="a"), 422, "digit")
    refused(answer(client, call_id, phone, digit="1", words="one"), 422, "digit")
    refused(answer(client, call_id, phone), 422, "digit")
    refused(answer(client, call_id, phone, words="   "), 422, "words")
    refused(answer(client, call_id, phone, event="hangup"), 422, "event")
    refused(answer(client, call_id, phone, digit="1", extra=1), 422, "extra")
    refused(client.post("/v1/ivr/calls", json={"number": "555"}, headers=phone), 422, "number")
    # A call comes from a phone number: the refusal says so, and names no email address.
    national = client.post("/v1/ivr/calls", json={"number": "(313) 656-4363"}, headers=phone)
    refused(national, 422, "number")
    assert national.json()["detail"] == "must be a phone number in E.164 (+14155550123)"
    refused(
        client.post("/v1/ivr/calls", json={"number": CALLER, "language": "fr"}, headers=phone),
        422,
        "language",
    )
    # Nothing refused moved the walk.
    detail = client.get(f"/v1/ivr/calls/{call_id}", headers=phone).json()
    assert len(detail["steps"]) == 1 and detail["menu"] == "language"
    done = walk(client, phone, {"digit": "0"}, language="en")
    refused(answer(client, done["id"], phone, digit="1"), 409, "call_id")
    # A call that is not an IVR walk is not one.
    plain = client.post(
        "/v1/interactions",
        json={"channel": "voice", "direction": "inbound", "from_address": CALLER},
        headers=phone,
    ).json()
    refused(answer(client, plain["id"], phone, digit="1"), 404, "call_id")


def test_calls_find_their_account_and_customers_reach_only_their_own(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    account = desk.account()
    phone = auth(Role.AGENT)
    known = call(client, phone, number=DENVER_PHONE)
    assert known["account_id"] == account["id"]
    assert call(client, phone)["account_id"] is None
    customer = auth(Role.CUSTOMER, account_id=account["id"])
    own = call(client, customer)
    assert own["account_id"] == account["id"]
    assert answer(client, own["id"], customer, digit="1").status_code == 200
    other = auth(Role.CUSTOMER, account_id=desk.account(phone="+13035550199")["id"])
    assert answer(client, own["id"], other, digit="1").status_code == 404
    assert client.get(f"/v1/ivr/calls/{own['id']}", headers=other).status_code == 404
    assert client.get(f"/v1/ivr/calls/{known['id']}", headers=customer).status_code == 200


def test_inputs_sent_at_once_are_taken_one_after_the_other(
    client: TestClient, auth: TokenMaker
) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone, language="en")
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(lambda _: answer(client, started["id"], phone, digit="9"), range(6))
        )
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    steps = client.get(f"/v1/ivr/calls/{started['id']}", headers=phone).json()["steps"]
    assert [s["seq"] for s in steps] == list(range(7))
    assert all(s["kind"] == "digit" and s["accepted"] for s in steps[1:])
