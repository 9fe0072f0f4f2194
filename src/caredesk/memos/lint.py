"""Refusing text that holds an SSN, a PIN/passcode or a full card number (OB-MEMO).

The finding itself is the policy core's (``find_pii``); this module turns findings into a
refusal that names the field, the kind and the character span, never the value, so that the
refusal can be shown and logged without leaking what it refuses."""

from __future__ import annotations

from collections.abc import Mapping

from caredesk.callbacks.policy import Memo as PolicyMemo
from caredesk.callbacks.policy import PiiFinding, check_memo, find_pii
from caredesk.errors import ValidationFailed

_KIND_WORDS = {
    "ssn": "a Social Security number",
    "pin": "a PIN or passcode",
    "card_number": "a card number",
}


def finding_as_dict(finding: PiiFinding) -> dict[str, object]:
    return {
        "field": finding.field,
        "kind": str(finding.kind),
        "start": finding.start,
        "end": finding.end,
    }


def find_secrets(fields: Mapping[str, str | None]) -> list[PiiFinding]:
    return [finding for name, text in fields.items() if text for finding in find_pii(text, name)]


def refuse_secrets(fields: Mapping[str, str | None]) -> None:
    """Raises ValidationFailed naming the first field holding a secret, with every finding's
    kind and span in ``findings``."""
    findings = find_secrets(fields)
    if not findings:
        return
    first = findings[0]
    raise ValidationFailed(
        f"contains {_KIND_WORDS[str(first.kind)]} at characters {first.start}-{first.end}; "
        "remove it (SSNs, PINs/passcodes and full card numbers are never stored)",
        field=first.field,
        extra={"findings": [finding_as_dict(f) for f in findings]},
    )


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
