"""What the policy is asked about: one callback, one agent, one step, one instant.

Every value is a frozen dataclass so a context can be logged, compared and replayed; the policy
reads nothing else. Instants are aware datetimes; a naive one is refused at construction because
it would silently mean "server local time".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from caredesk.policy.vocabulary import (
    AGENT_STATE_LABELS,
    AgentState,
    AttemptResult,
    CallbackOrigin,
    CallbackOutcome,
    CallbackReason,
    CallEnd,
    CallerRole,
    ConsentChannel,
    ContactProvenance,
    EmailItem,
    LineOfBusiness,
    PaymentRaisedBy,
    ProofFact,
    Step,
    VerificationField,
)


def _require_aware(value: datetime | None, name: str) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone)")


@dataclass(frozen=True, slots=True)
class ContactPoint:
    number: str
    """E.164, e.g. "+13035550123"."""
    provenance: ContactProvenance = ContactProvenance.ACCOUNT


@dataclass(frozen=True, slots=True)
class ZoneConfirmation:
    """A person confirmed the customer's time zone (OB-WINDOW's "confirm zone" step): for one
    number, or for the whole account when `number` is None."""

    zone: str
    number: str | None = None
    """E.164; None for the account."""
    confirmed_by: str = ""
    confirmed_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.confirmed_at, "confirmed_at")


@dataclass(frozen=True, slots=True)
class Customer:
    account_id: str
    zone: str | None = None
    """IANA zone of the account's service address, when known; it outranks the number's zones."""
    contact_points: tuple[ContactPoint, ...] = ()
    confirmed_zones: tuple[ZoneConfirmation, ...] = ()
    """Zones a person confirmed; the newest for a number (else for the account) is used when
    the service address gives none, ahead of the number's own zones."""


@dataclass(frozen=True, slots=True)
class ConsentWindow:
    """A customer's agreement to be called at a given time (OB-WINDOW).

    Either an absolute window (`start`/`end`, aware instants) or a daily local one
    (`local_start`/`local_end` in `zone`; an end at or before the start runs past midnight).
    It replaces the default window for its own callback only, until it expires: at `expires_at`,
    or for an absolute window once its end has passed.
    """

    callback_id: str
    given_by: str
    """The customer who agreed (their name and role), not whoever typed it in."""
    given_at: datetime
    channel: ConsentChannel
    start: datetime | None = None
    end: datetime | None = None
    local_start: time | None = None
    local_end: time | None = None
    zone: str | None = None
    expires_at: datetime | None = None
    entered_by: str | None = None
    """The staff member (or system) who entered the agreement."""

    def __post_init__(self) -> None:
        _require_aware(self.given_at, "given_at")
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        _require_aware(self.expires_at, "expires_at")
        absolute = self.start is not None or self.end is not None
        local = self.local_start is not None or self.local_end is not None
        if absolute == local:
            raise ValueError("give either start and end, or local_start, local_end and zone")
        if absolute:
            if self.start is None or self.end is None:
                raise ValueError("an absolute consent window needs both start and end")
            if self.end <= self.start:
                raise ValueError("end must be after start")
        elif self.local_start is None or self.local_end is None or self.zone is None:
            raise ValueError("a local consent window needs local_start, local_end and zone")
        elif self.local_start == self.local_end:
            raise ValueError("local_end must differ from local_start")


@dataclass(frozen=True, slots=True)
class Notification:
    template: str
    sent_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.sent_at, "sent_at")


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    number: str
    result: AttemptResult
    ended_at: datetime | None = None
    """When the dial ended (unanswered, busy, ...); the next attempt is spaced from here."""

    def __post_init__(self) -> None:
        _require_aware(self.at, "at")
        _require_aware(self.ended_at, "ended_at")

    @property
    def finished_at(self) -> datetime:
        return self.ended_at or self.at


@dataclass(frozen=True, slots=True)
class SchedulingEmail:
    """The Service Assurance email that schedules an email-driven callback."""

    sent_at: datetime
    includes: frozenset[EmailItem] = frozenset()

    def __post_init__(self) -> None:
        _require_aware(self.sent_at, "sent_at")


@dataclass(frozen=True, slots=True)
class Callback:
    callback_id: str
    reason: CallbackReason | None
    origin: CallbackOrigin
    policy_reference: str | None = None
    """The named policy that directs an activation or sales callback, if any."""
    ticket_numbers: tuple[str, ...] = ()
    campaign: str | None = None
    """Set when the callback belongs to a bulk outbound campaign (out of scope: OB-SCOPE-BULK)."""
    batch_size: int = 1
    """How many callbacks the same request creates; above one it is a bulk creation."""
    due_at: datetime | None = None
    owner_agent_id: str | None = None
    assignment_tracked: bool = False
    """True once the callback went through the tracked assignment pool (OB-SA-OWNERSHIP)."""
    attempts: tuple[Attempt, ...] = ()
    notifications: tuple[Notification, ...] = ()
    notice_queued_for: datetime | None = None
    """When the announcing notice, not sent yet, is queued to go (it goes a lead time before
    the planned call, so at night it waits for the morning); None when none is queued."""
    scheduling_email: SchedulingEmail | None = None
    consents: tuple[ConsentWindow, ...] = ()

    def __post_init__(self) -> None:
        _require_aware(self.due_at, "due_at")
        _require_aware(self.notice_queued_for, "notice_queued_for")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")


@dataclass(frozen=True, slots=True)
class History:
    """What happened before this callback."""

    customer_spoken_to: bool = True
    """Someone in care spoke with the customer (OB-SPOKE-FIRST)."""
    agent_spoke_to_customer: bool = True
    """The agent on the ticket spoke with the customer (OB-LEADER-TICKET)."""
    last_call_end: CallEnd | None = None


@dataclass(frozen=True, slots=True)
class Shift:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        if self.end <= self.start:
            raise ValueError("a shift must end after it starts")


@dataclass(frozen=True, slots=True)
class InboundCall:
    """The inbound call an outbound call names as the one it belongs to, as the stored record
    shows it: which agent it is connected to and whether it has ended. The policy decides from
    these facts whether the call is really tied to an active inbound call (OB-STATE's
    exception, OB-ALT-NUMBER's Consult path); naming a call is never enough on its own."""

    call_id: str
    """The inbound call's interaction id."""
    agent_id: str = ""
    """The agent the call is connected to; empty while nobody has answered it."""
    ended_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.ended_at, "ended_at")

    def live_at(self, now: datetime) -> bool:
        return self.ended_at is None or now < self.ended_at


@dataclass(frozen=True, slots=True)
class Agent:
    agent_id: str
    """Empty when no agent is named yet: a callback planned for whichever agent takes it."""
    state: AgentState
    inbound_call: InboundCall | None = None
    """The inbound call this outbound call is said to belong to (the Consult path of
    OB-ALT-NUMBER and OB-STATE's exception); see ``inbound_tie``."""
    shift: Shift | None = None

    def inbound_tie(self, now: datetime) -> str | None:
        """None when the call is tied to an active inbound call: one that is live at ``now``,
        connected to this agent, with the agent in Talking on it. Otherwise why it is not (an
        empty string when no inbound call is named)."""
        call = self.inbound_call
        if call is None:
            return ""
        ref = f"inbound call {call.call_id}"
        if not call.live_at(now):
            assert call.ended_at is not None
            return f"{ref} ended at {call.ended_at.isoformat()}"
        if not self.agent_id or call.agent_id != self.agent_id:
            whose = f"agent {call.agent_id}" if call.agent_id else "no agent yet"
            if not self.agent_id:
                return f"{ref} is connected to {whose}, while this call names nobody to make it"
            return f"{ref} is connected to {whose}, not to agent {self.agent_id}"
        if self.state is not AgentState.TALKING:
            label = AGENT_STATE_LABELS[self.state]
            return f"agent {self.agent_id} is in {label}, not Talking on {ref}"
        return None


@dataclass(frozen=True, slots=True)
class DialTarget:
    number: str
    """E.164 number to dial."""
    is_contact_point: bool | None = None
    """None: decide from the customer's contact points."""
    originating_line: str = ""
    platform_line: bool = True
    """The originating line belongs to the platform's voice gateway (OB-DEVICE)."""
    alternate_for_troubleshooting: bool = False
    """Dialing the alternate number the customer gave so the device can be troubleshot."""


@dataclass(frozen=True, slots=True)
class CallProgress:
    """What has happened so far on the call being made."""

    answered: bool = False
    disclosure_read: bool = False
    name_verified: bool = False
    verification_fields: frozenset[VerificationField] = frozenset()
    """What the agent asks for at the verify_name step."""
    otp_guidelines_followed: bool = False
    proof_facts: frozenset[ProofFact] = frozenset()
    """What the agent is about to give as proof the call is genuine."""
    payment_raised_by: PaymentRaisedBy | None = None
    account_change: str | None = None
    """The account change a Service Assurance PIN/passcode verification authorises."""
    pin_checks_failed: int = 0
    """PIN/passcode checks on this callback that did not match (OB-NO-SSN-PIN's limit)."""
    troubleshooting_device_being_called: bool = False
    alternate_number_asked: bool = False
    alternate_number: str | None = None
    """E.164; at the consult step, the number Consult dials."""
    consulted_number: str | None = None
    """E.164 number dialled on Consult, once pressed (OB-ALT-NUMBER's Consult path)."""
    line_one_ended: bool = False
    """The inbound call (line one) was ended from this call's Consult path."""
    reconnected: bool = False
    voicemail_left: bool = False
    support_number_offered: bool = False


@dataclass(frozen=True, slots=True)
class Memo:
    reason: str = ""
    ticket_numbers: tuple[str, ...] = ()
    summary: str = ""
    customer_response: str = ""


@dataclass(frozen=True, slots=True)
class TicketUpdate:
    ticket_numbers: tuple[str, ...]
    includes_memo_details: bool = False
    findings: str = ""
    actions_taken: str = ""
    new_information: str = ""


@dataclass(frozen=True, slots=True)
class WrapUp:
    memo: Memo | None = None
    outcome: CallbackOutcome | None = None
    ticket_update: TicketUpdate | None = None


@dataclass(frozen=True, slots=True)
class PolicyContext:
    now: datetime
    step: Step
    line_of_business: LineOfBusiness
    caller_role: CallerRole
    agent: Agent
    customer: Customer
    callback: Callback
    history: History = field(default_factory=History)
    dial: DialTarget | None = None
    call: CallProgress = field(default_factory=CallProgress)
    wrap_up: WrapUp | None = None

    def __post_init__(self) -> None:
        _require_aware(self.now, "now")
