"""Service Assurance rules: origin, email first, preparation, alternative, ownership, docs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caredesk.policy import (
    Blocker,
    CallbackOrigin,
    CallbackOutcome,
    CallbackReason,
    EmailItem,
    LineOfBusiness,
    Memo,
    Notification,
    PolicyContext,
    RequiredStep,
    SchedulingEmail,
    Shift,
    Step,
    StepKind,
    TicketUpdate,
    WrapUp,
    sa_owner_keeps,
)

from .cases import NOW, allowed, base, change, decide, refused, says

BTS = LineOfBusiness.SA_BTS
EVERYTHING = frozenset(EmailItem)


def _email_case(step: Step = Step.DIAL, email: SchedulingEmail | None = None) -> PolicyContext:
    return change(
        base(step, BTS),
        **{
            "callback.origin": CallbackOrigin.SA_EMAIL_REQUEST,
            "callback.reason": CallbackReason.EMAIL_REQUEST,
            "callback.notifications": (Notification("Customer Callback", NOW),),
            "callback.scheduling_email": email,
            "history.customer_spoken_to": False,
        },
    )


def test_OB_SA_ORIGIN_refuses_a_ticket_origin_for_care() -> None:
    ctx = change(base(Step.CREATE), **{"callback.origin": CallbackOrigin.SA_TICKET})
    result = refused(ctx, "OB-SA-ORIGIN")
    assert result.sentence == "origin sa_ticket is for Service Assurance only, not care"


def test_OB_SA_ORIGIN_allows_a_ticket_callback_by_a_specialist_who_never_spoke() -> None:
    ctx = change(
        base(Step.CREATE, LineOfBusiness.SA_ATS),
        **{"callback.origin": CallbackOrigin.SA_TICKET, "history.customer_spoken_to": False},
    )
    allowed(ctx, "OB-SA-ORIGIN")
    allowed(ctx, "OB-SPOKE-FIRST")


def test_OB_SA_EMAIL_FIRST_refuses_before_the_scheduling_email() -> None:
    ctx = _email_case()
    result = refused(ctx, "OB-SA-EMAIL-FIRST")
    assert "scheduling email is not recorded as sent" in result.sentence
    labels = [step.label for step in decide(ctx).required_steps]
    assert "Send the Service Assurance scheduling email first" in labels


def test_OB_SA_EMAIL_FIRST_refuses_an_email_without_availability_windows() -> None:
    email = SchedulingEmail(NOW - timedelta(days=1), EVERYTHING - {EmailItem.AVAILABILITY_WINDOWS})
    result = refused(_email_case(email=email), "OB-SA-EMAIL-FIRST")
    assert result.sentence == "the scheduling email does not state: availability windows"


def test_OB_SA_EMAIL_FIRST_allows_after_a_complete_email() -> None:
    ctx = _email_case(email=SchedulingEmail(NOW - timedelta(days=1), EVERYTHING))
    allowed(ctx, "OB-SA-EMAIL-FIRST")


def test_OB_SA_PREPARE_refuses_an_email_that_does_not_mention_the_pin() -> None:
    email = SchedulingEmail(NOW - timedelta(days=1), EVERYTHING - {EmailItem.HAVE_PIN_READY})
    result = refused(_email_case(email=email), "OB-SA-PREPARE")
    assert "have pin ready" in result.sentence


def test_OB_SA_PREPARE_allows_a_ticket_call_and_asks_to_prepare_on_the_call() -> None:
    ctx = change(base(lob=BTS), **{"callback.origin": CallbackOrigin.SA_TICKET})
    allowed(ctx, "OB-SA-PREPARE")
    assert RequiredStep(StepKind.PREPARE_CUSTOMER) in decide(ctx).required_steps


def test_OB_SA_ALTERNATIVE_refuses_an_email_without_the_support_number() -> None:
    email = SchedulingEmail(NOW - timedelta(days=1), EVERYTHING - {EmailItem.SUPPORT_NUMBER})
    refused(_email_case(email=email), "OB-SA-ALTERNATIVE")


def test_OB_SA_ALTERNATIVE_refuses_wrap_up_when_not_offered_on_the_call() -> None:
    ctx = change(base(Step.WRAP_UP, BTS), wrap_up=WrapUp(memo=_memo()))
    refused(ctx, "OB-SA-ALTERNATIVE")


def test_OB_SA_ALTERNATIVE_allows_an_email_offering_the_800_number() -> None:
    ctx = _email_case(email=SchedulingEmail(NOW - timedelta(days=1), EVERYTHING))
    allowed(ctx, "OB-SA-ALTERNATIVE")
    assert decide(ctx).allowed


def _due(ctx: PolicyContext, due: datetime, **more: object) -> PolicyContext:
    return change(ctx, **{"callback.due_at": due}, **more)


def test_OB_SA_OWNERSHIP_refuses_a_handoff_of_a_callback_due_in_the_shift() -> None:
    ctx = _due(base(Step.HANDOFF, BTS), NOW + timedelta(hours=1))
    result = refused(ctx, "OB-SA-OWNERSHIP")
    assert "is inside the owner's shift" in result.sentence
    assert decide(ctx).required_steps == (RequiredStep(StepKind.KEEP_WITH_OWNER),)


def test_OB_SA_OWNERSHIP_refuses_dialing_outside_the_shift_without_the_pool() -> None:
    ctx = _due(base(Step.DIAL, BTS), NOW + timedelta(hours=6))
    refused(ctx, "OB-SA-OWNERSHIP")
    assert RequiredStep(StepKind.ROUTE_VIA_ASSIGNMENT_POOL) in decide(ctx).required_steps


def test_OB_SA_OWNERSHIP_allows_the_owner_to_keep_it_within_the_shift() -> None:
    result = allowed(_due(base(Step.DIAL, BTS), NOW + timedelta(hours=1)), "OB-SA-OWNERSHIP")
    assert "it stays with agent agent-1" in result.sentence


def test_OB_SA_OWNERSHIP_allows_a_handoff_due_outside_the_shift() -> None:
    ctx = _due(base(Step.HANDOFF, BTS), NOW + timedelta(hours=9))
    allowed(ctx, "OB-SA-OWNERSHIP")
    assert decide(ctx).required_steps == (RequiredStep(StepKind.ROUTE_VIA_ASSIGNMENT_POOL),)


def test_OB_SA_OWNERSHIP_allows_a_tracked_assignment_to_another_specialist() -> None:
    ctx = _due(
        base(Step.DIAL, BTS),
        NOW + timedelta(hours=9),
        **{"callback.owner_agent_id": "agent-2", "callback.assignment_tracked": True},
    )
    allowed(ctx, "OB-SA-OWNERSHIP")


def test_sa_owner_keeps_is_half_open_on_the_shift() -> None:
    start = datetime(2026, 3, 10, 14, tzinfo=UTC)
    shift = Shift(start, start + timedelta(hours=8))
    assert sa_owner_keeps(start, shift)
    assert sa_owner_keeps(start + timedelta(hours=7, minutes=59), shift)
    assert not sa_owner_keeps(start + timedelta(hours=8), shift)
    assert not sa_owner_keeps(start - timedelta(seconds=1), shift)
    assert not sa_owner_keeps(start, None)


def _memo(tickets: tuple[str, ...] = ()) -> Memo:
    return Memo(
        reason="Ticket status follow-up",
        ticket_numbers=tickets,
        summary="Explained the tower repair is scheduled for Thursday.",
        customer_response="Customer agreed to test again on Friday.",
    )


def test_OB_SA_DOCS_refuses_a_ticket_call_without_the_ticket_update() -> None:
    ctx = change(
        base(Step.WRAP_UP, BTS),
        **{"callback.ticket_numbers": ("T-88",), "callback.origin": CallbackOrigin.SA_TICKET},
        wrap_up=WrapUp(memo=_memo(("T-88",)), outcome=CallbackOutcome.RESOLVED),
    )
    result = refused(ctx, "OB-SA-DOCS")
    assert result.sentence == "handoff documentation incomplete: ticket T-88 is not updated"


def test_OB_SA_DOCS_refuses_a_ticket_origin_without_ticket_number() -> None:
    ctx = change(
        base(Step.WRAP_UP, BTS),
        **{"callback.origin": CallbackOrigin.SA_TICKET},
        wrap_up=WrapUp(memo=_memo()),
    )
    assert "carries no ticket number" in refused(ctx, "OB-SA-DOCS").sentence


def test_OB_SA_DOCS_allows_memo_and_ticket_update() -> None:
    update = TicketUpdate(("T-88",), True, findings="Tower repair scheduled", new_information="")
    ctx = change(
        base(Step.WRAP_UP, BTS),
        **{
            "callback.ticket_numbers": ("T-88",),
            "callback.origin": CallbackOrigin.SA_TICKET,
            "call.support_number_offered": True,
        },
        wrap_up=WrapUp(memo=_memo(("T-88",)), ticket_update=update),
    )
    allowed(ctx, "OB-SA-DOCS")
    assert decide(ctx).allowed


_WRAPPED = change(base(Step.WRAP_UP, BTS), wrap_up=WrapUp(memo=_memo()))
_NO_NUMBER = SchedulingEmail(NOW - timedelta(days=1), EVERYTHING - {EmailItem.SUPPORT_NUMBER})
_OFFER = RequiredStep(StepKind.OFFER_SUPPORT_NUMBER)


@pytest.mark.parametrize(
    ("ctx", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            _WRAPPED,
            Blocker.ACTION,
            "the 800 support number was not offered on the call",
            [_OFFER],
            {"offered_on_call": False},
            id="wrap-up-not-offered",
        ),
        pytest.param(
            change(_WRAPPED, **{"call.support_number_offered": True}),
            None,
            "the 800 support number was offered on the call",
            [],
            {"offered_on_call": True},
            id="wrap-up-offered",
        ),
        pytest.param(
            _email_case(),
            Blocker.ACTION,
            "the support number goes in the scheduling email, which is not sent yet",
            [RequiredStep(StepKind.SEND_SCHEDULING_EMAIL)],
            {"email_sent": False},
            id="email-not-sent",
        ),
        pytest.param(
            change(base(lob=BTS), **{"callback.origin": CallbackOrigin.SA_TICKET}),
            None,
            "no scheduling email; offer the 800 support number on the call",
            [_OFFER],
            {"email_sent": False},
            id="ticket-call-without-email",
        ),
        pytest.param(
            _email_case(email=_NO_NUMBER),
            Blocker.ACTION,
            "the scheduling email does not offer the 800 support number",
            [RequiredStep(StepKind.SEND_SCHEDULING_EMAIL, "stating the support number")],
            {"email_sent": True},
            id="email-without-the-number",
        ),
        pytest.param(
            _email_case(email=SchedulingEmail(NOW - timedelta(days=1), EVERYTHING)),
            None,
            "the scheduling email offers the 800 support number; offer it on the call too",
            [_OFFER],
            {"email_sent": True},
            id="email-with-the-number",
        ),
    ],
)
def test_what_OB_SA_ALTERNATIVE_tells_the_specialist(
    ctx: PolicyContext,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    says(ctx, "OB-SA-ALTERNATIVE", blocker, sentence, steps, facts)


def test_OB_SA_ALTERNATIVE_is_silent_on_an_unanswered_call_and_outside_service_assurance() -> None:
    unanswered = change(_WRAPPED, **{"call.answered": False})
    assert "OB-SA-ALTERNATIVE" in decide(unanswered).not_applicable
    assert "OB-SA-ALTERNATIVE" in decide(base()).not_applicable


_SHIFT_TEXT = "2026-03-10 14:00 UTC to 2026-03-10 22:00 UTC"
_POOL = RequiredStep(StepKind.ROUTE_VIA_ASSIGNMENT_POOL)


def _owned(
    due: str, keeps: bool, owner: str = "agent-1", tracked: bool = False, shift: bool = True
) -> dict[str, object]:
    return {
        "due_at": due,
        "shift": _SHIFT_TEXT if shift else None,
        "owner": owner,
        "keeps": keeps,
        "assignment_tracked": tracked,
    }


_IN = NOW + timedelta(hours=1)  # 19:00 UTC, inside 14:00-22:00
_OUT = NOW + timedelta(hours=6)


@pytest.mark.parametrize(
    ("ctx", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            _due(base(Step.HANDOFF, BTS), _IN),
            Blocker.FINAL,
            f"due 2026-03-10 19:00 UTC is inside the owner's shift ({_SHIFT_TEXT}): the owner "
            "completes it, no separate follow-up request",
            [RequiredStep(StepKind.KEEP_WITH_OWNER)],
            _owned("2026-03-10T19:00:00+00:00", True),
            id="handoff-inside",
        ),
        pytest.param(
            _due(base(Step.HANDOFF, BTS), _OUT),
            None,
            f"due 2026-03-11 00:00 UTC is outside the owner's shift ({_SHIFT_TEXT}): hand it to "
            "the tracked assignment pool",
            [_POOL],
            _owned("2026-03-11T00:00:00+00:00", False),
            id="handoff-outside",
        ),
        pytest.param(
            _due(base(Step.DIAL, BTS), _IN),
            None,
            f"due 2026-03-10 19:00 UTC is inside the owner's shift ({_SHIFT_TEXT}): it stays "
            "with agent agent-1",
            [],
            _owned("2026-03-10T19:00:00+00:00", True),
            id="owner-keeps",
        ),
        pytest.param(
            _due(base(Step.DIAL, BTS), _OUT),
            Blocker.ACTION,
            f"due 2026-03-11 00:00 UTC is outside the owner's shift ({_SHIFT_TEXT}): it goes "
            "through the tracked assignment process",
            [_POOL],
            _owned("2026-03-11T00:00:00+00:00", False),
            id="outside-untracked",
        ),
        pytest.param(
            _due(base(Step.DIAL, BTS), _OUT, **{"callback.assignment_tracked": True}),
            None,
            f"due 2026-03-11 00:00 UTC is outside the owner's shift ({_SHIFT_TEXT}): it went "
            "through the tracked assignment pool",
            [],
            _owned("2026-03-11T00:00:00+00:00", False, tracked=True),
            id="outside-tracked",
        ),
        pytest.param(
            _due(
                base(Step.DIAL, BTS),
                _OUT,
                **{"callback.owner_agent_id": "agent-2", "callback.assignment_tracked": True},
            ),
            None,
            "assigned to agent agent-1 through the tracked pool",
            [],
            _owned("2026-03-11T00:00:00+00:00", False, owner="agent-2", tracked=True),
            id="another-owner-tracked",
        ),
        pytest.param(
            _due(base(Step.DIAL, BTS), _IN, **{"callback.owner_agent_id": "agent-2"}),
            Blocker.ACTION,
            "it belongs to agent agent-2; reassign it via the pool",
            [_POOL],
            _owned("2026-03-10T19:00:00+00:00", True, owner="agent-2"),
            id="another-owner-untracked",
        ),
        pytest.param(
            _due(change(base(Step.DIAL, BTS), **{"agent.shift": None}), _IN),
            Blocker.ACTION,
            "due 2026-03-10 19:00 UTC, when the owner has no shift: it goes through the tracked "
            "assignment process",
            [_POOL],
            _owned("2026-03-10T19:00:00+00:00", False, shift=False),
            id="no-shift",
        ),
    ],
)
def test_what_OB_SA_OWNERSHIP_tells_the_specialist(
    ctx: PolicyContext,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    says(ctx, "OB-SA-OWNERSHIP", blocker, sentence, steps, facts)


_PREPARATION = frozenset(
    {
        EmailItem.TROUBLESHOOTING_ON_CALL,
        EmailItem.AUTHENTICATION_MAY_BE_NEEDED,
        EmailItem.HAVE_PIN_READY,
    }
)


@pytest.mark.parametrize(
    ("ctx", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            _email_case(),
            Blocker.ACTION,
            "the preparation notes go in the scheduling email, which is not sent yet",
            [RequiredStep(StepKind.SEND_SCHEDULING_EMAIL)],
            {"email_sent": False},
            id="email-not-sent",
        ),
        pytest.param(
            change(base(lob=BTS), **{"callback.origin": CallbackOrigin.SA_TICKET}),
            None,
            "no scheduling email; prepare the customer at the start of the call",
            [RequiredStep(StepKind.PREPARE_CUSTOMER)],
            {"email_sent": False},
            id="ticket-call",
        ),
        pytest.param(
            _email_case(email=SchedulingEmail(NOW - timedelta(days=1), EVERYTHING - _PREPARATION)),
            Blocker.ACTION,
            "the scheduling email does not tell the customer: troubleshooting on call, "
            "authentication may be needed, have pin ready",
            [
                RequiredStep(
                    StepKind.SEND_SCHEDULING_EMAIL,
                    "stating troubleshooting on call, authentication may be needed, have pin ready",
                )
            ],
            {"email_sent": True},
            id="email-without-preparation",
        ),
        pytest.param(
            _email_case(email=SchedulingEmail(NOW - timedelta(days=1), EVERYTHING)),
            None,
            "the scheduling email prepares the customer for authentication and the PIN",
            [],
            {"email_sent": True},
            id="email-prepares",
        ),
    ],
)
def test_what_OB_SA_PREPARE_tells_the_specialist(
    ctx: PolicyContext,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    says(ctx, "OB-SA-PREPARE", blocker, sentence, steps, facts)


def test_OB_SA_DOCS_counts_each_problem_and_names_the_tickets() -> None:
    ctx = change(
        base(Step.WRAP_UP, BTS),
        **{
            "callback.ticket_numbers": ("T-88", "T-89"),
            "callback.origin": CallbackOrigin.SA_TICKET,
        },
        wrap_up=WrapUp(memo=None),
    )
    result = refused(ctx, "OB-SA-DOCS")
    assert result.sentence == (
        "handoff documentation incomplete: there is no account memo; ticket T-88, T-89 is not "
        "updated"
    )
    assert dict(result.facts) == {"tickets": "T-88, T-89", "problems": 2}
    assert [step.kind for step in result.required_steps] == [
        StepKind.WRITE_MEMO,
        StepKind.UPDATE_TICKET,
    ]
    update = TicketUpdate(("T-88", "T-89"), True, findings="Tower repair scheduled")
    done = change(ctx, wrap_up=WrapUp(memo=_memo(("T-88", "T-89")), ticket_update=update))
    complete = allowed(done, "OB-SA-DOCS")
    assert complete.sentence == "memo and ticket documentation complete for handoff"
    assert dict(complete.facts) == {"tickets": "T-88, T-89", "problems": 0}
    assert (
        "OB-SA-DOCS" in decide(change(base(Step.WRAP_UP), wrap_up=WrapUp(memo=None))).not_applicable
    )


_SCHEDULING = frozenset({EmailItem.PURPOSE, EmailItem.AVAILABILITY_WINDOWS, EmailItem.NEXT_STEPS})
_SENT_FACTS = {"email_sent": True, "sent_at": "2026-03-09T18:00:00+00:00"}


@pytest.mark.parametrize(
    ("ctx", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            _email_case(),
            Blocker.ACTION,
            "the request came by email and the scheduling email is not recorded as sent",
            [RequiredStep(StepKind.SEND_SCHEDULING_EMAIL)],
            {"email_sent": False},
            id="not-sent",
        ),
        pytest.param(
            _email_case(email=SchedulingEmail(NOW - timedelta(days=1), EVERYTHING - _SCHEDULING)),
            Blocker.ACTION,
            "the scheduling email does not state: purpose, availability windows, next steps",
            [
                RequiredStep(
                    StepKind.SEND_SCHEDULING_EMAIL,
                    "stating purpose, availability windows, next steps",
                )
            ],
            _SENT_FACTS,
            id="says-nothing-needed",
        ),
        pytest.param(
            _email_case(email=SchedulingEmail(NOW - timedelta(days=1), EVERYTHING)),
            None,
            "scheduling email sent 2026-03-09 18:00 UTC with purpose, windows, steps",
            [],
            _SENT_FACTS,
            id="complete",
        ),
    ],
)
def test_what_OB_SA_EMAIL_FIRST_tells_the_specialist(
    ctx: PolicyContext,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    says(ctx, "OB-SA-EMAIL-FIRST", blocker, sentence, steps, facts)
    assert "OB-SA-EMAIL-FIRST" in decide(base()).not_applicable
