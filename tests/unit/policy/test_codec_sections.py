"""Every section and field of a case document: read as written, defaults where left out, and the
path of a wrong value inside each section."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from caredesk.policy import (
    Agent,
    AgentState,
    Attempt,
    AttemptResult,
    Callback,
    CallbackOrigin,
    CallbackOutcome,
    CallbackReason,
    CallerRole,
    CallProgress,
    ConsentChannel,
    ConsentWindow,
    ContactPoint,
    ContextError,
    Customer,
    DialTarget,
    History,
    InboundCall,
    LineOfBusiness,
    Memo,
    Notification,
    PolicyContext,
    Shift,
    Step,
    WrapUp,
    context_from_json,
    context_to_json,
)
from caredesk.policy.context import SchedulingEmail, TicketUpdate, ZoneConfirmation
from caredesk.policy.vocabulary import (
    CallEnd,
    ContactProvenance,
    EmailItem,
    PaymentRaisedBy,
    ProofFact,
    VerificationField,
)

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)

# Every field set, and every value other than its default.
FULL = PolicyContext(
    now=NOW,
    step=Step.WRAP_UP,
    line_of_business=LineOfBusiness.SA_BTS,
    caller_role=CallerRole.LEADER,
    agent=Agent(
        "agent-7",
        AgentState.AFTER_CALL_WORK,
        inbound_call=InboundCall("9001", "agent-7", NOW - timedelta(minutes=1)),
        shift=Shift(NOW - timedelta(hours=2), NOW + timedelta(hours=6)),
    ),
    customer=Customer(
        "ACC-9",
        zone="America/Chicago",
        contact_points=(
            ContactPoint("+13125550100", ContactProvenance.AUTHORISED_USER),
            ContactPoint("+13125550101", ContactProvenance.GIVEN_ON_CALL),
        ),
        confirmed_zones=(
            ZoneConfirmation("America/Denver", "+13125550100", "agent-7", NOW - timedelta(days=1)),
            ZoneConfirmation("America/Chicago"),
        ),
    ),
    callback=Callback(
        "CB-77",
        CallbackReason.DEVICE_TROUBLESHOOTING,
        CallbackOrigin.SA_TICKET,
        policy_reference="HB-4.2",
        ticket_numbers=("T-1", "T-2"),
        campaign="spring",
        batch_size=3,
        due_at=NOW + timedelta(hours=1),
        owner_agent_id="agent-7",
        assignment_tracked=True,
        attempts=(
            Attempt(NOW - timedelta(hours=3), "+13125550100", AttemptResult.BUSY),
            Attempt(
                NOW - timedelta(hours=1),
                "+13125550101",
                AttemptResult.NO_ANSWER,
                NOW - timedelta(minutes=59),
            ),
        ),
        notifications=(Notification("Device Help", NOW - timedelta(minutes=30)),),
        scheduling_email=SchedulingEmail(
            NOW - timedelta(days=2), frozenset({EmailItem.PURPOSE, EmailItem.HAVE_PIN_READY})
        ),
        consents=(
            ConsentWindow(
                "CB-77",
                "account holder",
                NOW - timedelta(days=1),
                ConsentChannel.PHONE,
                start=NOW + timedelta(hours=2),
                end=NOW + timedelta(hours=3),
                expires_at=NOW + timedelta(days=3),
                entered_by="agent-7",
            ),
            ConsentWindow(
                "CB-77",
                "authorised user",
                NOW - timedelta(hours=5),
                ConsentChannel.EMAIL,
                local_start=time(21, 30),
                local_end=time(7, 15, 30),
                zone="America/Chicago",
            ),
        ),
    ),
    history=History(
        customer_spoken_to=False,
        agent_spoke_to_customer=False,
        last_call_end=CallEnd.CUSTOMER_DISCONNECTED,
    ),
    dial=DialTarget(
        "+13125550101",
        is_contact_point=False,
        originating_line="gw-9",
        platform_line=False,
        alternate_for_troubleshooting=True,
    ),
    call=CallProgress(
        answered=True,
        disclosure_read=True,
        name_verified=True,
        verification_fields=frozenset({VerificationField.FIRST_NAME, VerificationField.SSN}),
        otp_guidelines_followed=True,
        proof_facts=frozenset({ProofFact.ADDRESS, ProofFact.LAST_BILL_AMOUNT}),
        payment_raised_by=PaymentRaisedBy.AGENT,
        account_change="SIM swap",
        pin_checks_failed=2,
        troubleshooting_device_being_called=True,
        alternate_number_asked=True,
        alternate_number="+13125550199",
        consulted_number="+13125550198",
        line_one_ended=True,
        reconnected=True,
        voicemail_left=True,
        support_number_offered=True,
    ),
    wrap_up=WrapUp(
        memo=Memo("Dropped call", ("T-1",), "Reset the network settings.", "All good now."),
        outcome=CallbackOutcome.HANDED_OFF,
        ticket_update=TicketUpdate(
            ("T-1", "T-2"),
            includes_memo_details=True,
            findings="Tower fault",
            actions_taken="Reset",
            new_information="Works indoors",
        ),
    ),
)


def test_every_field_is_read_as_written() -> None:
    document = context_to_json(FULL)
    assert context_from_json(document) == FULL
    # Spot checks on the document itself: the names a caller writes.
    assert document["callback"]["scheduling_email"]["includes"] == [
        "have_pin_ready",
        "purpose",
    ]
    assert document["customer"]["confirmed_zones"][0] == {
        "zone": "America/Denver",
        "number": "+13125550100",
        "confirmed_by": "agent-7",
        "confirmed_at": "2026-03-09T18:00:00+00:00",
    }
    # Minutes, or seconds when there are any.
    assert document["callback"]["consents"][1]["local_start"] == "21:30"
    assert document["callback"]["consents"][1]["local_end"] == "07:15:30"


def _minimal(**sections: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "now": "2026-03-10T18:00:00Z",
        "step": "dial",
        "line_of_business": "care",
        "agent": {"agent_id": "a", "state": "not_ready_follow_up"},
        "customer": {"account_id": "ACC-1"},
        "callback": {"callback_id": "CB-1", "origin": "dropped_call"},
    }
    document.update(sections)
    return document


def test_left_out_fields_take_the_context_defaults() -> None:
    ctx = context_from_json(
        _minimal(
            history={},
            call={},
            dial={"number": "+13035550123"},
            wrap_up={"memo": {}, "ticket_update": {}},
        )
    )
    assert ctx.caller_role is CallerRole.AGENT
    assert ctx.agent == Agent("a", AgentState.NOT_READY_FOLLOW_UP)
    assert ctx.customer == Customer("ACC-1")
    assert ctx.callback == Callback("CB-1", None, CallbackOrigin.DROPPED_CALL)
    assert ctx.history == History()
    assert ctx.call == CallProgress()
    assert ctx.dial == DialTarget("+13035550123")
    assert ctx.wrap_up == WrapUp(memo=Memo(), ticket_update=TicketUpdate(()))
    bare = context_from_json(_minimal())
    assert (bare.history, bare.call, bare.dial, bare.wrap_up) == (
        History(),
        CallProgress(),
        None,
        None,
    )
    assert context_from_json(_minimal(wrap_up={})).wrap_up == WrapUp()


def test_a_zone_confirmation_needs_only_its_zone() -> None:
    ctx = context_from_json(
        _minimal(customer={"account_id": "A", "confirmed_zones": [{"zone": "America/Denver"}]})
    )
    assert ctx.customer.confirmed_zones == (ZoneConfirmation("America/Denver", None, "", None),)
    with pytest.raises(ContextError) as refused:
        context_from_json(_minimal(customer={"account_id": "A", "confirmed_zones": [{}]}))
    assert str(refused.value) == "customer.confirmed_zones[0].zone: is required"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9:00", 'must be a local time "HH:MM"'),
        ("half past nine", 'must be a local time "HH:MM"'),
        ("09:00+02:00", "is a local time: give the zone in `zone`"),
    ],
)
def test_a_consent_local_time_is_hh_mm_without_an_offset(value: str, message: str) -> None:
    consent = {
        "callback_id": "C",
        "given_by": "x",
        "given_at": "2026-03-10T18:00:00Z",
        "channel": "phone",
        "local_start": value,
        "local_end": "10:00",
        "zone": "America/Denver",
    }
    callback = {"callback_id": "C", "origin": "dropped_call", "consents": [consent]}
    with pytest.raises(ContextError) as refused:
        context_from_json(_minimal(callback=callback))
    assert str(refused.value) == f"callback.consents[0].local_start: {message}"


def test_a_contact_point_may_be_a_bare_number() -> None:
    ctx = context_from_json(
        _minimal(customer={"account_id": "ACC-1", "contact_points": ["+13035550123"]})
    )
    assert ctx.customer.contact_points == (ContactPoint("+13035550123"),)


@pytest.mark.parametrize(
    ("section", "value", "path"),
    [
        ("customer", {"account_id": "A", "confirmed_zones": [{"number": "+13035550123"}]},
         "customer.confirmed_zones[0].zone"),
        ("customer", {"account_id": "A", "confirmed_zones": [{"zone": "America/Denver",
         "confirmed_at": "2026-03-10T18:00:00"}]}, "customer.confirmed_zones[0].confirmed_at"),
        ("agent", {"agent_id": "a", "state": "ready", "shift": {"start": "2026-03-10T18:00:00Z"}},
         "agent.shift.end"),
        ("agent", {"agent_id": "a", "state": "ready", "shift": {
            "start": "2026-03-10T18:00:00Z", "end": "2026-03-10T17:00:00Z"}}, "agent.shift"),
        ("callback", {"callback_id": "C", "origin": "sa_ticket",
         "scheduling_email": {"sent_at": "2026-03-10T18:00:00Z", "includes": ["gifts"]}},
         "callback.scheduling_email.includes[0]"),
        ("callback", {"callback_id": "C", "origin": "sa_ticket",
         "scheduling_email": {"includes": []}}, "callback.scheduling_email.sent_at"),
        ("callback", {"callback_id": "C", "origin": "sa_ticket", "notifications": [
            {"template": "T"}]}, "callback.notifications[0].sent_at"),
        ("callback", {"callback_id": "C", "origin": "sa_ticket", "consents": [
            {"callback_id": "C", "given_by": "x", "given_at": "2026-03-10T18:00:00Z",
             "channel": "phone", "local_start": "9:00", "local_end": "10:00",
             "zone": "America/Denver"}]}, "callback.consents[0].local_start"),
        ("call", {"alternate_number": "555"}, "call.alternate_number"),
        ("call", {"consulted_number": "555"}, "call.consulted_number"),
        ("call", {"pin_checks_failed": -1}, "call.pin_checks_failed"),
        ("call", {"proof_facts": ["shoe_size"]}, "call.proof_facts[0]"),
        ("call", {"verification_fields": "ssn"}, "call.verification_fields"),
        ("wrap_up", {"memo": {"summary": 5}}, "wrap_up.memo.summary"),
        ("wrap_up", {"memo": {"mood": "fine"}}, "wrap_up.memo.mood"),
        ("wrap_up", {"ticket_update": {"findings": 5}}, "wrap_up.ticket_update.findings"),
        ("wrap_up", {"ticket_update": {"includes_memo_details": "yes"}},
         "wrap_up.ticket_update.includes_memo_details"),
        ("wrap_up", {"outcome": "won"}, "wrap_up.outcome"),
        ("history", {"last_call_end": "hung"}, "history.last_call_end"),
        ("dial", {"number": "+13035550123", "is_contact_point": "no"}, "dial.is_contact_point"),
    ],
)  # fmt: skip
def test_a_wrong_value_in_any_section_names_its_path(
    section: str, value: object, path: str
) -> None:
    with pytest.raises(ContextError) as refused:
        context_from_json(_minimal(**{section: value}))
    assert refused.value.path == path, str(refused.value)


def test_an_inbound_call_is_read_with_its_defaults_and_its_errors_name_the_path() -> None:
    ctx = context_from_json(
        _minimal(agent={"agent_id": "a", "state": "talking", "inbound_call": {"call_id": "42"}})
    )
    assert ctx.agent.inbound_call == InboundCall("42", "", None)
    ended = context_from_json(
        _minimal(
            agent={
                "agent_id": "a",
                "state": "talking",
                "inbound_call": {
                    "call_id": "42",
                    "agent_id": "a",
                    "ended_at": "2026-03-10T17:00:00Z",
                },
            }
        )
    )
    assert ended.agent.inbound_call == InboundCall("42", "a", datetime(2026, 3, 10, 17, tzinfo=UTC))
    with pytest.raises(ContextError) as missing:
        context_from_json(_minimal(agent={"agent_id": "a", "state": "talking", "inbound_call": {}}))
    assert str(missing.value) == "agent.inbound_call.call_id: is required"
    with pytest.raises(ContextError) as unknown:
        context_from_json(
            _minimal(agent={"agent_id": "a", "state": "talking", "inbound_call": {"call": "42"}})
        )
    assert str(unknown.value) == (
        "agent.inbound_call.call: unknown field (call_id, agent_id, ended_at)"
    )


def test_a_contact_point_object_takes_the_account_provenance_by_default() -> None:
    customer = {
        "account_id": "A",
        "contact_points": [
            {"number": "+13035550123"},
            {"number": "+13035550124", "provenance": ContactProvenance.GIVEN_ON_CALL.value},
        ],
    }
    ctx = context_from_json(_minimal(customer=customer))
    assert [point.provenance for point in ctx.customer.contact_points] == [
        ContactProvenance.ACCOUNT,
        ContactProvenance.GIVEN_ON_CALL,
    ]
    customer["contact_points"] = [{"number": "+13035550123", "provenance": "rumour"}]
    with pytest.raises(ContextError) as wrong:
        context_from_json(_minimal(customer=customer))
    assert wrong.value.path == "customer.contact_points[0].provenance"
