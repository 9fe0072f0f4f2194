"""The completeness half of OB-MEMO for an outbound call's memo.

Refusing secrets (SSNs, PINs/passcodes, card numbers) is ``caredesk.privacy.refuse_secrets``."""

from __future__ import annotations

from caredesk.errors import ValidationFailed
from caredesk.policy import Memo as PolicyMemo
from caredesk.policy import check_memo


def refuse_incomplete_call_memo(
    *, reason: str, summary: str, customer_response: str | None, ticket_numbers: list[str]
) -> None:
    """OB-MEMO for an outbound call: reason, summary and the customer's response, each real
    content rather than a placeholder."""
    check = check_memo(
        PolicyMemo(
            reason=reason,
            ticket_numbers=tuple(ticket_numbers),
            summary=summary,
            customer_response=customer_response or "",
        )
    )
    if check.problems:
        first = check.problems[0]
        raise ValidationFailed(
            f"an outbound call's memo needs it: {first.field} {first.problem}",
            field=first.field,
            extra={"problems": [{"field": p.field, "problem": p.problem} for p in check.problems]},
        )
