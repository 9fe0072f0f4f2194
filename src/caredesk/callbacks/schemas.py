from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from caredesk.accounts.models import ConsentChannel
from caredesk.callbacks.inputs import CallStep
from caredesk.callbacks.models import CallbackStatus
from caredesk.policy import (
    AttemptResult,
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
from caredesk.schemas import AwareDatetime, Id, Input, Output

Phone = Annotated[str, Field(min_length=3, max_length=30, examples=["+13035550123"])]
LongText = Annotated[str, Field(max_length=5000)]


class SlotOffer(Input):
    start: AwareDatetime
    end: AwareDatetime


class CallbackCreate(Input):
    account_id: Id
    origin: CallbackOrigin
    reason: CallbackReason
    line_of_business: LineOfBusiness
    number: Phone | None = Field(
        default=None, description="The number to call; the person's own phone when left out."
    )
    person_id: Id | None = None
    ticket: str | None = Field(
        default=None, min_length=1, max_length=20, description="Case number (CS-000123) or id."
    )
    interaction_id: Id | None = None
    policy_reference: str | None = Field(
        default=None,
        max_length=200,
        description="The named policy directing an activation or sales callback.",
    )
    customer_spoken_to: bool = True
    agent_spoke_to_customer: bool = True
    last_call_end: CallEnd | None = None
    owner_agent_id: Id | None = None
    slots: list[SlotOffer] | None = Field(
        default=None,
        max_length=10,
        description="Email requests only: the times to offer; proposed automatically if left out.",
    )


class DroppedCallCallbackCreate(Input):
    line_of_business: LineOfBusiness | None = Field(
        default=None, description="Defaults to the line of business of the agent on the call."
    )
    owner_agent_id: Id | None = None


class SlotRead(Output):
    start: datetime
    end: datetime


class CallbackStatusRead(Output):
    """What a customer sees of their own callback."""

    id: int
    account_id: int
    line_of_business: LineOfBusiness
    reason: CallbackReason
    status: CallbackStatus
    due_at: datetime | None
    offered_slots: list[SlotRead] | None
    outcome: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CallbackRead(CallbackStatusRead):
    person_id: int | None
    ticket_id: int | None
    origin_interaction_id: int | None
    origin: CallbackOrigin
    policy_reference: str | None
    requested_by: str
    requested_by_agent_id: int | None
    caller_role: CallerRole
    number: str
    alternate_number: str | None
    customer_spoken_to: bool
    agent_spoke_to_customer: bool
    last_call_end: str | None
    refused_rules: list[str] | None
    refusal_detail: str | None
    owner_agent_id: int | None
    in_assignment_pool: bool
    pooled_at: datetime | None
    offered_to_agent_id: int | None
    offered_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    attempts_without_contact: int
    contact_made: bool
    notification_template: str | None
    notified_at: datetime | None
    scheduling_email_sent_at: datetime | None
    version: int


class CallbackEventRead(Output):
    id: int
    callback_id: int
    kind: str
    from_status: str | None
    to_status: str | None
    rule_ids: list[str] | None
    detail: str | None
    facts: dict[str, Any] | None
    actor: str
    at: datetime


class AttemptRead(Output):
    id: int
    callback_id: int
    agent_id: int | None
    number: str
    dial_string: str
    from_line: str
    call_id: str | None
    started_at: datetime
    ended_at: datetime | None
    result: AttemptResult | None


class AgentAction(Input):
    agent_id: Id | None = Field(
        default=None, description="The agent acting; your own agent record when left out."
    )


class CallStart(AgentAction):
    number: Phone | None = Field(
        default=None,
        description="Another of the account's numbers; the callback's own if left out.",
    )
    inbound_call_id: Id | None = Field(
        default=None,
        description="The live inbound call this dial belongs to (its interaction id), with the "
        "agent Talking on it: OB-STATE's exception, checked against the stored call.",
    )


class AttemptResultCreate(AgentAction):
    result: AttemptResult


class CallStepCreate(AgentAction):
    step: CallStep
    fields: list[VerificationField] | None = Field(
        default=None, max_length=6, description="verify_name: what is asked (first and last name)."
    )
    name_matched: bool = True
    proof_facts: list[ProofFact] | None = Field(default=None, max_length=8)
    pin: str | None = Field(
        default=None,
        max_length=20,
        json_schema_extra={"writeOnly": True},
        description="verify_pin (Service Assurance only): compared, never stored.",
    )
    account_change: str | None = Field(
        default=None, max_length=300, description="verify_pin: the change the check authorises."
    )
    otp_guidelines_followed: bool = False
    payment_raised_by: PaymentRaisedBy | None = None
    device_being_called: bool = False
    alternate_number: Phone | None = None


class ProofFactsRead(Output):
    """OB-PROOF: exactly these three facts, nothing more sensitive."""

    last_bill_amount: Decimal | None
    devices_in_use: list[str]
    last_care_call_date: date | None


class CallStepRead(Output):
    step: CallStep
    event_id: int
    kind: str
    rule_ids: list[str] | None
    required_steps: list[str]
    callback_status: CallbackStatus
    proof: ProofFactsRead | None = None
    pin_matched: bool | None = None


class MemoCreate(Input):
    reason: str = Field(min_length=1, max_length=500)
    summary: LongText
    customer_response: LongText = ""


class TicketProgress(Input):
    findings: LongText = ""
    actions_taken: LongText = ""
    new_information: LongText = ""


class WrapUpCreate(AgentAction):
    outcome: CallbackOutcome
    memo: MemoCreate
    ticket_update: TicketProgress | None = None


class CallbackCancel(Input):
    reason: str = Field(min_length=1, max_length=500)


class SlotChoice(Input):
    slot: int = Field(ge=1, le=10, description="The number of the time in the scheduling email.")
    channel: ConsentChannel | None = Field(
        default=None,
        description="How the customer chose (staff entering a reply: email); customers: portal.",
    )
