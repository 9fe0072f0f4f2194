"""Documentation rules: the account memo and the ticket update at wrap-up."""

from __future__ import annotations

import pytest

from caredesk.policy import (
    Blocker,
    CallbackOutcome,
    Memo,
    PolicyContext,
    RequiredStep,
    Step,
    StepKind,
    TicketUpdate,
    WrapUp,
)

from .cases import allowed, base, change, decide, refused

GOOD_MEMO = Memo(
    reason="Dropped call callback",
    ticket_numbers=(),
    summary="Restarted the device and reset network settings; calls connect again.",
    customer_response="Confirmed calls work; no further concerns.",
)


def _wrap_up(
    memo: Memo | None, tickets: tuple[str, ...] = (), update: TicketUpdate | None = None
) -> PolicyContext:
    return change(
        base(Step.WRAP_UP),
        **{"callback.ticket_numbers": tickets},
        wrap_up=WrapUp(memo=memo, outcome=CallbackOutcome.RESOLVED, ticket_update=update),
    )


def test_OB_MEMO_refuses_wrap_up_without_a_memo() -> None:
    result = refused(_wrap_up(None), "OB-MEMO")
    assert result.sentence == "there is no account memo"


def test_OB_MEMO_refuses_placeholder_and_short_fields() -> None:
    memo = Memo(reason="n/a", summary=".", customer_response="ok!")
    result = refused(_wrap_up(memo), "OB-MEMO")
    assert "reason is a placeholder, not content" in result.sentence
    assert "summary is a placeholder, not content" in result.sentence
    assert "customer_response is too short (3 characters, at least 5)" in result.sentence
    step = decide(_wrap_up(memo)).required_steps[0]
    assert step.kind is StepKind.COMPLETE_MEMO
    assert step.detail == "reason, summary, customer_response"


def test_OB_MEMO_refuses_a_memo_missing_the_callback_ticket() -> None:
    result = refused(_wrap_up(GOOD_MEMO, ("T-1001",)), "OB-MEMO")
    assert "ticket_numbers lacks T-1001" in result.sentence


def test_OB_MEMO_refuses_sensitive_values_without_repeating_them() -> None:
    memo = Memo(
        reason="Dropped call callback",
        summary="Customer read card 4111 1111 1111 1111 and SSN 123-45-6789 aloud.",
        customer_response="Customer confirmed PIN 4821 was changed.",
    )
    result = refused(_wrap_up(memo), "OB-MEMO")
    for secret in ("4111", "1111 1111", "123-45-6789", "6789", "4821"):
        assert secret not in result.sentence
        assert all(secret not in str(value) for value in result.facts.values())
    assert "a card number in summary at characters 19-38" in result.sentence
    assert "a PIN/passcode value in customer_response" in result.sentence
    assert result.facts["sensitive_values"] == 3


def test_OB_MEMO_allows_a_complete_memo() -> None:
    memo = Memo(GOOD_MEMO.reason, ("T-1001",), GOOD_MEMO.summary, GOOD_MEMO.customer_response)
    update = TicketUpdate(("T-1001",), includes_memo_details=True, findings="Network reset fixed")
    result = allowed(_wrap_up(memo, ("T-1001",), update), "OB-MEMO")
    assert result.sentence.endswith("and ticket T-1001")


def test_OB_TICKET_UPDATE_refuses_a_ticket_callback_without_an_update() -> None:
    memo = Memo(GOOD_MEMO.reason, ("T-1001",), GOOD_MEMO.summary, GOOD_MEMO.customer_response)
    ctx = _wrap_up(memo, ("T-1001",))
    result = refused(ctx, "OB-TICKET-UPDATE")
    assert result.sentence == "ticket T-1001 is not updated"
    assert decide(ctx).required_steps[0].kind is StepKind.UPDATE_TICKET


def test_OB_TICKET_UPDATE_refuses_an_update_without_memo_details_or_progress() -> None:
    memo = Memo(GOOD_MEMO.reason, ("T-1001",), GOOD_MEMO.summary, GOOD_MEMO.customer_response)
    result = refused(_wrap_up(memo, ("T-1001",), TicketUpdate(("T-1001",))), "OB-TICKET-UPDATE")
    assert "does not carry the memo's details" in result.sentence
    assert "no findings, actions taken or new information" in result.sentence


def test_OB_TICKET_UPDATE_allows_a_full_update() -> None:
    memo = Memo(GOOD_MEMO.reason, ("T-1001",), GOOD_MEMO.summary, GOOD_MEMO.customer_response)
    update = TicketUpdate(("T-1001",), True, actions_taken="Reset network settings")
    allowed(_wrap_up(memo, ("T-1001",), update), "OB-TICKET-UPDATE")
    assert decide(_wrap_up(memo, ("T-1001",), update)).allowed


def test_OB_TICKET_UPDATE_does_not_speak_without_tickets() -> None:
    assert "OB-TICKET-UPDATE" in decide(_wrap_up(GOOD_MEMO)).not_applicable


TWO = ("T-1001", "T-2002")
TWO_MEMO = Memo(GOOD_MEMO.reason, TWO, GOOD_MEMO.summary, GOOD_MEMO.customer_response)
UPDATE_BOTH = RequiredStep(StepKind.UPDATE_TICKET, "T-1001, T-2002")


@pytest.mark.parametrize(
    ("update", "sentence"),
    [
        pytest.param(None, "ticket T-1001, T-2002 is not updated", id="no-update"),
        pytest.param(
            # Numbers are matched however they were typed: " t-1001 " is T-1001.
            TicketUpdate((" t-1001 ",), True, findings="Network reset fixed"),
            "ticket T-2002 is not updated",
            id="one-ticket-left-out",
        ),
        pytest.param(
            TicketUpdate(TWO, False, findings="Network reset fixed"),
            "the ticket update does not carry the memo's details",
            id="no-memo-details",
        ),
        pytest.param(
            # Four characters after trimming is short of the five a field needs.
            TicketUpdate(TWO, True, findings="  abcd  ", actions_taken="x", new_information=""),
            "the ticket update records no findings, actions taken or new information",
            id="progress-too-short",
        ),
    ],
)
def test_OB_TICKET_UPDATE_says_what_the_update_lacks(
    update: TicketUpdate | None, sentence: str
) -> None:
    ctx = _wrap_up(TWO_MEMO, TWO, update)
    result = refused(ctx, "OB-TICKET-UPDATE")
    assert (result.blocker, result.sentence) == (Blocker.ACTION, sentence)
    assert result.required_steps == (UPDATE_BOTH,)
    assert dict(result.facts) == {"tickets": "T-1001, T-2002"}


def test_OB_TICKET_UPDATE_takes_any_one_progress_field_at_the_minimum_length() -> None:
    update = TicketUpdate(TWO, True, new_information="abcde")
    result = allowed(_wrap_up(TWO_MEMO, TWO, update), "OB-TICKET-UPDATE")
    assert result.sentence == "ticket T-1001, T-2002 updated with the memo details and progress"
    assert result.required_steps == ()
    assert dict(result.facts) == {"tickets": "T-1001, T-2002"}


def test_OB_MEMO_counts_the_problems_and_the_sensitive_values() -> None:
    plain = allowed(_wrap_up(GOOD_MEMO), "OB-MEMO")
    assert plain.sentence == "the memo has the reason, summary and customer response"
    assert dict(plain.facts) == {"problems": 0, "sensitive_values": 0}
    with_tickets = allowed(_wrap_up(TWO_MEMO, TWO), "OB-MEMO")
    assert with_tickets.sentence.endswith(" and ticket T-1001, T-2002")
    missing = refused(_wrap_up(None), "OB-MEMO")
    assert dict(missing.facts) == {"problems": 1, "sensitive_values": 0}


def test_OB_MEMO_lists_each_problem_then_each_secret_with_one_step_for_each_kind() -> None:
    memo = Memo(
        reason="n/a",
        summary="Customer read card 4111 1111 1111 1111 and SSN 123-45-6789 aloud.",
        customer_response="ok",
    )
    ctx = _wrap_up(memo)
    result = refused(ctx, "OB-MEMO")
    assert result.sentence == (
        "reason is a placeholder, not content; customer_response is a placeholder, not content; "
        "the memo contains a card number in summary at characters 19-38; the memo contains a "
        "Social Security number in summary at characters 47-58"
    )
    assert result.required_steps == (
        RequiredStep(StepKind.COMPLETE_MEMO, "reason, customer_response"),
        RequiredStep(StepKind.REMOVE_MEMO_PII, "card_number, ssn"),
    )
    assert dict(result.facts) == {"problems": 2, "sensitive_values": 2}
    assert result.blocker is Blocker.ACTION
    # The same memo checked again gives the same findings (they are kept per check).
    assert refused(ctx, "OB-MEMO") == result
