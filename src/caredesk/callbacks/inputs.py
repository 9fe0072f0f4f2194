"""What the callback use cases are asked to do, as frozen values: a callback request (with the
times offered by email and the window the customer agreed to), a guided-call step and a
wrap-up. Routes,
commands and pages build one and hand it to one use case with the runtime; the use case checks
it, naming the field at fault, before anything is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from caredesk.callbacks.records import plain
from caredesk.policy import (
    CallbackOrigin,
    CallbackOutcome,
    CallbackReason,
    CallEnd,
    CallerRole,
    LineOfBusiness,
    PaymentRaisedBy,
    ProofFact,
    VerificationField,
)

Slots = Sequence[tuple[datetime, datetime]]


@dataclass(frozen=True)
class AgreedWindow:
    """A time the customer chose to be called in, recorded as their consent for this callback
    (OB-WINDOW): it replaces the default calling hours for it, and expires when it ends."""

    start: datetime
    end: datetime
    zone: str | None
    channel: str

    def as_request(self) -> list[str | None]:
        return [self.start.isoformat(), self.end.isoformat(), self.zone, self.channel]


@dataclass(frozen=True)
class CallbackRequest:
    """A request for a callback, as given: enum fields may still be plain strings, the ticket a
    case number or an id. ``requests.submit_callback_request`` checks every field."""

    account_id: int
    origin: CallbackOrigin | str
    reason: CallbackReason | str
    line_of_business: LineOfBusiness | str
    caller_role: CallerRole | str
    number: str | None = None
    person_id: int | None = None
    ticket_ref: str | int | None = None
    interaction_id: int | None = None
    policy_reference: str | None = None
    customer_spoken_to: bool = True
    agent_spoke_to_customer: bool = True
    last_call_end: CallEnd | str | None = None
    owner_agent_id: int | None = None
    requested_by_agent_id: int | None = None
    slots: Slots | None = None
    """Times offered by email (an email request only)."""
    agreed_window: AgreedWindow | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        """What a retry with the same idempotency key must repeat. Who asked and the key itself
        are left out; the names and their JSON are stored with each request, so they stay."""
        request: dict[str, Any] = {
            "account_id": self.account_id,
            "origin": self.origin,
            "reason": self.reason,
            "line_of_business": self.line_of_business,
            "caller_role": self.caller_role,
            "number": self.number,
            "person_id": self.person_id,
            "ticket_ref": self.ticket_ref,
            "interaction_id": self.interaction_id,
            "policy_reference": self.policy_reference,
            "customer_spoken_to": self.customer_spoken_to,
            "agent_spoke_to_customer": self.agent_spoke_to_customer,
            "last_call_end": self.last_call_end,
            "owner_agent_id": self.owner_agent_id,
            "slots": [list(slot) for slot in self.slots] if self.slots is not None else None,
            "agreed_window": self.agreed_window.as_request() if self.agreed_window else None,
        }
        text = json.dumps(plain(request), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


class CallStep(StrEnum):
    VERIFY_NAME = "verify_name"
    DISCLOSURE = "disclosure"
    PROOF = "proof"
    VERIFY_PIN = "verify_pin"
    VERIFY_SSN = "verify_ssn"
    OTP = "otp"
    PAYMENT = "payment"
    ALTERNATE_NUMBER = "alternate_number"
    TROUBLESHOOT = "troubleshoot"
    SUPPORT_NUMBER = "support_number"
    # OB-ALT-NUMBER's Consult path, on a call tied to an active inbound call, in this order.
    CONSULT = "consult"
    END_LINE_ONE = "end_line_one"
    RECONNECT = "reconnect"


@dataclass(frozen=True)
class StepInput:
    """One guided-call step as the agent gave it; ``steps.record_step`` checks the fields the
    step reads, naming the one at fault. The PIN/passcode is compared and forgotten, and left
    out of the repr so that no log line or traceback shows it."""

    callback_id: int
    step: CallStep | str
    agent_id: int | None = None
    fields: Collection[VerificationField | str] | None = None
    """verify_name: the fields asked (default: first and last name)."""
    name_matched: bool = True
    proof: Collection[ProofFact | str] | None = None
    """proof: the facts offered (default: all three)."""
    pin: str | None = field(default=None, repr=False)
    account_change: str | None = None
    otp_guidelines_followed: bool = False
    payment_raised_by: PaymentRaisedBy | str | None = None
    device_being_called: bool = False
    alternate_number: str | None = None
    """alternate_number: as the customer gave it; consult: the 10-digit number Consult dials."""


@dataclass(frozen=True)
class WrapUp:
    """The wrap-up as the agent wrote it: how the callback ends, the account memo and, for a
    callback linked to a case, the progress the case update records. ``wrapup.wrap_up`` checks
    each field (and the policy the whole) before anything is stored."""

    callback_id: int
    outcome: CallbackOutcome | str
    reason: str
    summary: str
    customer_response: str = ""
    findings: str = ""
    actions_taken: str = ""
    new_information: str = ""
    agent_id: int | None = None
    author_user_id: int | None = None
