"""Scope and eligibility rules: each refuses and allows, named after its rule ID."""

from __future__ import annotations

import pytest

from caredesk.policy import (
    Blocker,
    CallbackOrigin,
    CallbackReason,
    CallEnd,
    CallerRole,
    ContactPoint,
    ContactProvenance,
    LineOfBusiness,
    PolicyContext,
    Step,
)

from .cases import ALTERNATE, allowed, base, change, decide, refused, says


def test_OB_SCOPE_CUSTOMER_refuses_a_number_not_on_the_account() -> None:
    ctx = change(base(), **{"dial.number": "+13035550999"})
    result = refused(ctx, "OB-SCOPE-CUSTOMER")
    assert result.sentence == "+13035550999 is not a contact point on account ACC-1"
    assert result.blocker is Blocker.FINAL
    assert decide(ctx).next_allowed_at is None


def test_OB_SCOPE_CUSTOMER_refuses_when_the_caller_marks_it_third_party() -> None:
    refused(change(base(), **{"dial.is_contact_point": False}), "OB-SCOPE-CUSTOMER")


def test_OB_SCOPE_CUSTOMER_allows_an_alternate_given_on_a_call() -> None:
    points = (ContactPoint(ALTERNATE, ContactProvenance.GIVEN_ON_CALL),)
    ctx = change(base(), **{"customer.contact_points": points, "dial.number": ALTERNATE})
    result = allowed(ctx, "OB-SCOPE-CUSTOMER")
    assert result.facts["provenance"] == "given_on_call"
    assert "(given_on_call)" in result.sentence


def test_OB_SCOPE_BULK_refuses_a_campaign_callback() -> None:
    ctx = change(base(Step.CREATE), **{"callback.campaign": "spring-upgrade"})
    result = refused(ctx, "OB-SCOPE-BULK")
    assert "campaign 'spring-upgrade'" in result.sentence


def test_OB_SCOPE_BULK_refuses_bulk_creation_without_a_per_customer_reason() -> None:
    ctx = change(base(Step.CREATE), **{"callback.batch_size": 250, "callback.reason": None})
    result = refused(ctx, "OB-SCOPE-BULK")
    assert "batch of 250 without a per-customer reason" in result.sentence


def test_OB_SCOPE_BULK_allows_a_batch_where_each_has_its_reason() -> None:
    result = allowed(change(base(Step.CREATE), **{"callback.batch_size": 3}), "OB-SCOPE-BULK")
    assert result.facts["batch_size"] == 3


def test_OB_REASON_refuses_a_callback_without_reason() -> None:
    result = refused(change(base(Step.CREATE), **{"callback.reason": None}), "OB-REASON")
    assert result.sentence == "the callback has no reason code"


def test_OB_REASON_refuses_a_service_assurance_reason_for_care() -> None:
    ctx = change(base(), **{"callback.reason": CallbackReason.EMAIL_REQUEST})
    result = refused(ctx, "OB-REASON")
    assert result.sentence == "reason email_request is not on the care list of callback reasons"


def test_OB_REASON_allows_the_same_reason_for_service_assurance() -> None:
    ctx = change(
        base(lob=LineOfBusiness.SA_BTS), **{"callback.reason": CallbackReason.EMAIL_REQUEST}
    )
    allowed(ctx, "OB-REASON")


def test_OB_NO_CALL_DISCONNECT_refuses_after_the_customer_hung_up() -> None:
    ctx = change(base(), **{"history.last_call_end": CallEnd.CUSTOMER_DISCONNECTED})
    result = refused(ctx, "OB-NO-CALL-DISCONNECT")
    assert result.sentence == "the customer ended the last call by disconnecting"


def test_OB_NO_CALL_DISCONNECT_allows_when_the_customer_then_asked_for_a_callback() -> None:
    ctx = change(
        base(),
        **{
            "history.last_call_end": CallEnd.CUSTOMER_DISCONNECTED,
            "callback.reason": CallbackReason.CUSTOMER_REQUESTED,
            "callback.origin": CallbackOrigin.FOLLOW_UP,
            "callback.notifications": (),
        },
    )
    allowed(ctx, "OB-NO-CALL-DISCONNECT")


def test_OB_NO_CALL_DISCONNECT_allows_a_dropped_call() -> None:
    allowed(base(), "OB-NO-CALL-DISCONNECT")


def test_OB_NO_CALL_TIME_refuses_when_the_customer_ran_out_of_time() -> None:
    ctx = change(base(), **{"history.last_call_end": CallEnd.TIME_RESTRICTION})
    refused(ctx, "OB-NO-CALL-TIME")


def test_OB_NO_CALL_TIME_allows_a_scheduled_callback_the_customer_asked_for() -> None:
    ctx = change(
        base(),
        **{
            "history.last_call_end": CallEnd.TIME_RESTRICTION,
            "callback.reason": CallbackReason.CUSTOMER_REQUESTED,
        },
    )
    result = allowed(ctx, "OB-NO-CALL-TIME")
    assert "then asked for this callback (customer_requested)" in result.sentence


def test_OB_NO_ACTIVATION_refuses_without_a_policy_reference() -> None:
    ctx = change(base(), **{"callback.reason": CallbackReason.ACTIVATION})
    result = refused(ctx, "OB-NO-ACTIVATION")
    assert "named policy reference" in result.sentence


def test_OB_NO_ACTIVATION_allows_when_a_named_policy_directs_it() -> None:
    ctx = change(
        base(),
        **{"callback.reason": CallbackReason.ACTIVATION, "callback.policy_reference": "POL-77"},
    )
    result = allowed(ctx, "OB-NO-ACTIVATION")
    assert result.sentence == "activation callback directed by policy POL-77"


def test_OB_NO_SALES_refuses_a_sales_follow_up() -> None:
    refused(change(base(), **{"callback.reason": CallbackReason.SALES}), "OB-NO-SALES")


def test_OB_NO_SALES_refuses_a_blank_policy_reference() -> None:
    ctx = change(
        base(), **{"callback.reason": CallbackReason.SALES, "callback.policy_reference": "  "}
    )
    refused(ctx, "OB-NO-SALES")


def test_OB_NO_SALES_allows_a_policy_directed_sales_callback() -> None:
    ctx = change(
        base(), **{"callback.reason": CallbackReason.SALES, "callback.policy_reference": "P-9"}
    )
    allowed(ctx, "OB-NO-SALES")


def test_OB_SPOKE_FIRST_refuses_when_nobody_spoke_with_the_customer() -> None:
    ctx = change(base(), **{"history.customer_spoken_to": False})
    result = refused(ctx, "OB-SPOKE-FIRST")
    assert result.sentence == "nobody in care ever spoke with the customer on account ACC-1"


def test_OB_SPOKE_FIRST_allows_service_assurance_without_earlier_contact() -> None:
    ctx = change(
        base(lob=LineOfBusiness.SA_ATS),
        **{"history.customer_spoken_to": False, "callback.origin": CallbackOrigin.SA_TICKET},
    )
    result = allowed(ctx, "OB-SPOKE-FIRST")
    assert "OB-SA-ORIGIN" in result.sentence


def test_OB_SPOKE_FIRST_allows_a_queue_callback_the_customer_requested() -> None:
    ctx = change(
        base(),
        **{
            "history.customer_spoken_to": False,
            "callback.origin": CallbackOrigin.QUEUE_CALLBACK,
            "callback.reason": CallbackReason.QUEUE_CALLBACK,
        },
    )
    allowed(ctx, "OB-SPOKE-FIRST")


def test_OB_LEADER_TICKET_refuses_when_the_agent_never_spoke_with_the_customer() -> None:
    ctx = change(
        base(role=CallerRole.LEADER),
        **{
            "callback.origin": CallbackOrigin.LEADER_TICKET_FOLLOW_UP,
            "callback.reason": CallbackReason.TICKET_UPDATE,
            "callback.ticket_numbers": ("T-1001",),
            "history.agent_spoke_to_customer": False,
        },
    )
    result = refused(ctx, "OB-LEADER-TICKET")
    assert "T-1001" in result.sentence


def test_OB_LEADER_TICKET_allows_when_the_agent_spoke_with_the_customer() -> None:
    ctx = change(
        base(role=CallerRole.LEADER),
        **{"callback.origin": CallbackOrigin.LEADER_TICKET_FOLLOW_UP},
    )
    allowed(ctx, "OB-LEADER-TICKET")


def test_OB_LEADER_TICKET_does_not_speak_for_agents() -> None:
    ctx = change(base(), **{"callback.origin": CallbackOrigin.LEADER_TICKET_FOLLOW_UP})
    assert "OB-LEADER-TICKET" in decide(ctx).not_applicable


@pytest.mark.parametrize(
    ("changes", "blocker", "sentence", "tickets"),
    [
        (
            {"callback.ticket_numbers": ("T-1001", "T-1002")},
            None,
            "the agent on T-1001, T-1002 spoke with the customer",
            "T-1001, T-1002",
        ),
        (
            {"history.agent_spoke_to_customer": False},
            Blocker.FINAL,
            "leader follow-up on the ticket, but the agent never spoke with the customer",
            "the ticket",
        ),
        (
            # A ticket named on another kind of callback still makes it a ticket follow-up.
            {"callback.origin": CallbackOrigin.FOLLOW_UP, "callback.ticket_numbers": ("T-7",)},
            None,
            "the agent on T-7 spoke with the customer",
            "T-7",
        ),
    ],
)
def test_OB_LEADER_TICKET_says_which_tickets_and_whether_the_agent_spoke(
    changes: dict[str, object], blocker: Blocker | None, sentence: str, tickets: str
) -> None:
    ctx = change(
        base(role=CallerRole.LEADER),
        **{"callback.origin": CallbackOrigin.LEADER_TICKET_FOLLOW_UP, **changes},
    )
    result = says(ctx, "OB-LEADER-TICKET", blocker, sentence)
    assert dict(result.facts) == {
        "caller_role": CallerRole.LEADER,
        "tickets": tickets,
        "agent_spoke": blocker is None,
    }


def test_OB_LEADER_TICKET_is_silent_on_a_leader_call_with_no_ticket() -> None:
    ctx = change(base(role=CallerRole.LEADER), **{"callback.origin": CallbackOrigin.FOLLOW_UP})
    assert "OB-LEADER-TICKET" in decide(ctx).not_applicable


_ACC = ContactProvenance.ACCOUNT
_CARE = LineOfBusiness.CARE
_DROPPED = CallbackReason.DROPPED_CALL
_OTHER = "+13035550999"


def _point(number: str, provenance: object, decided_by: str) -> dict[str, object]:
    return {
        "number": number,
        "account_id": "ACC-1",
        "provenance": provenance,
        "decided_by": decided_by,
    }


def _spoke(
    spoken: bool, lob: object = _CARE, origin: object = CallbackOrigin.DROPPED_CALL
) -> dict[str, object]:
    return {"customer_spoken_to": spoken, "line_of_business": lob, "origin": origin}


@pytest.mark.parametrize(
    ("ctx", "rule_id", "blocker", "sentence", "facts"),
    [
        pytest.param(
            base(),
            "OB-SCOPE-CUSTOMER",
            None,
            "+13035550123 is a contact point on account ACC-1 (account)",
            _point("+13035550123", _ACC, "contact points"),
            id="customer-on-the-account",
        ),
        pytest.param(
            change(base(), **{"dial.number": _OTHER}),
            "OB-SCOPE-CUSTOMER",
            Blocker.FINAL,
            f"{_OTHER} is not a contact point on account ACC-1",
            _point(_OTHER, None, "contact points"),
            id="customer-third-party",
        ),
        pytest.param(
            change(base(), **{"dial.is_contact_point": False}),
            "OB-SCOPE-CUSTOMER",
            Blocker.FINAL,
            "+13035550123 is not a contact point on account ACC-1",
            _point("+13035550123", _ACC, "caller"),
            id="customer-ruled-out-by-the-caller",
        ),
        pytest.param(
            change(base(Step.PLAN), dial=None),
            "OB-SCOPE-CUSTOMER",
            Blocker.FINAL,
            "no number to dial was given",
            {"account_id": "ACC-1"},
            id="customer-no-number",
        ),
        pytest.param(
            base(),
            "OB-SCOPE-BULK",
            None,
            "a single callback, not part of a campaign",
            {"campaign": None, "batch_size": 1, "reason": _DROPPED},
            id="bulk-single",
        ),
        pytest.param(
            change(base(), **{"callback.campaign": "spring-upgrade"}),
            "OB-SCOPE-BULK",
            Blocker.FINAL,
            "callback CB-1 is in campaign 'spring-upgrade'",
            {"campaign": "spring-upgrade", "batch_size": 1, "reason": _DROPPED},
            id="bulk-campaign",
        ),
        pytest.param(
            change(base(), **{"callback.batch_size": 40, "callback.reason": None}),
            "OB-SCOPE-BULK",
            Blocker.FINAL,
            "callback CB-1 was created in a batch of 40 without a per-customer reason",
            {"campaign": None, "batch_size": 40, "reason": None},
            id="bulk-batch-without-reasons",
        ),
        pytest.param(
            change(base(), **{"callback.batch_size": 40}),
            "OB-SCOPE-BULK",
            None,
            "one of a batch of 40, with its own reason",
            {"campaign": None, "batch_size": 40, "reason": _DROPPED},
            id="bulk-batch-with-a-reason",
        ),
        pytest.param(
            base(),
            "OB-SPOKE-FIRST",
            None,
            "care has spoken with the customer before",
            _spoke(True),
            id="spoke-before",
        ),
        pytest.param(
            change(base(), **{"history.customer_spoken_to": False}),
            "OB-SPOKE-FIRST",
            Blocker.FINAL,
            "nobody in care ever spoke with the customer on account ACC-1",
            _spoke(False),
            id="never-spoke",
        ),
        pytest.param(
            change(
                base(),
                **{
                    "history.customer_spoken_to": False,
                    "callback.origin": CallbackOrigin.QUEUE_CALLBACK,
                },
            ),
            "OB-SPOKE-FIRST",
            None,
            "the customer asked for this callback (queue_callback)",
            _spoke(False, origin=CallbackOrigin.QUEUE_CALLBACK),
            id="never-spoke-but-asked",
        ),
        pytest.param(
            change(base(lob=LineOfBusiness.SA_BTS), **{"history.customer_spoken_to": False}),
            "OB-SPOKE-FIRST",
            None,
            "sa_bts is exempt (OB-SA-ORIGIN)",
            _spoke(False, lob=LineOfBusiness.SA_BTS),
            id="service-assurance-exempt",
        ),
        pytest.param(
            base(),
            "OB-NO-CALL-DISCONNECT",
            None,
            "the customer's last call ended as dropped",
            {"last_call_end": CallEnd.DROPPED, "reason": _DROPPED},
            id="last-call-dropped",
        ),
        pytest.param(
            change(base(), **{"history.last_call_end": None}),
            "OB-NO-CALL-DISCONNECT",
            None,
            "the customer's last call is not on record",
            {"last_call_end": None, "reason": _DROPPED},
            id="last-call-unknown",
        ),
        pytest.param(
            change(base(), **{"history.last_call_end": CallEnd.CUSTOMER_DISCONNECTED}),
            "OB-NO-CALL-DISCONNECT",
            Blocker.FINAL,
            "the customer ended the last call by disconnecting",
            {"last_call_end": CallEnd.CUSTOMER_DISCONNECTED, "reason": _DROPPED},
            id="customer-disconnected",
        ),
        pytest.param(
            change(
                base(),
                **{
                    "history.last_call_end": CallEnd.CUSTOMER_DISCONNECTED,
                    "callback.reason": CallbackReason.CUSTOMER_REQUESTED,
                },
            ),
            "OB-NO-CALL-DISCONNECT",
            None,
            "the customer ended the last call by disconnecting, then asked for this callback "
            "(customer_requested)",
            {
                "last_call_end": CallEnd.CUSTOMER_DISCONNECTED,
                "reason": CallbackReason.CUSTOMER_REQUESTED,
            },
            id="disconnected-then-asked",
        ),
    ],
)
def test_what_the_scope_rules_tell_the_agent(
    ctx: PolicyContext,
    rule_id: str,
    blocker: Blocker | None,
    sentence: str,
    facts: dict[str, object],
) -> None:
    says(ctx, rule_id, blocker, sentence, None, facts)
