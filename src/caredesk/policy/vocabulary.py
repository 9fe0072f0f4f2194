"""The shared vocabulary of outbound calls.

Other parts of the product (agents, tickets, the web desktop) import these enums, so their values
are part of the stored data and the API: add members, never rename them.
"""

from __future__ import annotations

from enum import StrEnum


class LineOfBusiness(StrEnum):
    """The team an agent works in. Leaders are a role (`CallerRole.LEADER`), not a team."""

    CARE = "care"
    GLOBAL_CARE = "global_care"
    VIRTUAL_RETAIL = "virtual_retail"
    EXPERT_ASSIST = "expert_assist"
    SA_BTS = "sa_bts"
    SA_ATS = "sa_ats"


SERVICE_ASSURANCE = frozenset({LineOfBusiness.SA_BTS, LineOfBusiness.SA_ATS})


class CallerRole(StrEnum):
    AGENT = "agent"
    LEADER = "leader"
    SPECIALIST = "specialist"


class AgentState(StrEnum):
    OFFLINE = "offline"
    READY = "ready"
    RESERVED = "reserved"
    TALKING = "talking"
    AFTER_CALL_WORK = "after_call_work"
    NOT_READY_FOLLOW_UP = "not_ready_follow_up"
    NOT_READY_BREAK = "not_ready_break"
    NOT_READY_TRAINING = "not_ready_training"
    NOT_READY_MEETING = "not_ready_meeting"
    # Set by routing when an offered contact was neither accepted nor declined in time.
    NOT_READY_MISSED_OFFER = "not_ready_missed_offer"


AGENT_STATE_LABELS: dict[AgentState, str] = {
    AgentState.OFFLINE: "Offline",
    AgentState.READY: "Ready",
    AgentState.RESERVED: "Reserved",
    AgentState.TALKING: "Talking",
    AgentState.AFTER_CALL_WORK: "After-Call Work",
    AgentState.NOT_READY_FOLLOW_UP: "Not Ready - Follow-Up",
    AgentState.NOT_READY_BREAK: "Not Ready - Break",
    AgentState.NOT_READY_TRAINING: "Not Ready - Training",
    AgentState.NOT_READY_MEETING: "Not Ready - Meeting",
    AgentState.NOT_READY_MISSED_OFFER: "Not Ready - Missed Offer",
}


class CallbackReason(StrEnum):
    """Why the care organisation owes the customer a call (OB-REASON)."""

    DROPPED_CALL = "dropped_call"
    DEVICE_UNUSABLE = "device_unusable"
    DEVICE_TROUBLESHOOTING = "device_troubleshooting"
    TICKET_UPDATE = "ticket_update"
    TICKET_TROUBLESHOOTING = "ticket_troubleshooting"
    EMAIL_REQUEST = "email_request"
    SHIFT_HANDOFF = "shift_handoff"
    QUEUE_CALLBACK = "queue_callback"
    CUSTOMER_REQUESTED = "customer_requested"
    ACTIVATION = "activation"
    SALES = "sales"


class CallbackOrigin(StrEnum):
    """Where the callback came from."""

    DROPPED_CALL = "dropped_call"
    FOLLOW_UP = "follow_up"
    LEADER_TICKET_FOLLOW_UP = "leader_ticket_follow_up"
    SA_TICKET = "sa_ticket"
    SA_EMAIL_REQUEST = "sa_email_request"
    QUEUE_CALLBACK = "queue_callback"


SA_ORIGINS = frozenset({CallbackOrigin.SA_TICKET, CallbackOrigin.SA_EMAIL_REQUEST})


class Step(StrEnum):
    """The step of the outbound-call flow being asked for, in the order the flow runs."""

    CREATE = "create"
    PLAN = "plan"
    DIAL = "dial"
    VERIFY_NAME = "verify_name"
    DISCLOSURE = "disclosure"
    VERIFY_PIN = "verify_pin"
    VERIFY_SSN = "verify_ssn"
    OTP = "otp"
    PROOF = "proof"
    PAYMENT = "payment"
    TROUBLESHOOT = "troubleshoot"
    # OB-ALT-NUMBER's Consult path, on a call tied to an active inbound call, in this order.
    CONSULT = "consult"
    END_LINE_ONE = "end_line_one"
    RECONNECT = "reconnect"
    HANDOFF = "handoff"
    WRAP_UP = "wrap_up"


class AttemptResult(StrEnum):
    CONTACT = "contact"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    FAILED = "failed"


# Results where the customer could have picked up and did not: these lead to a voicemail.
UNANSWERED = frozenset({AttemptResult.NO_ANSWER, AttemptResult.BUSY, AttemptResult.VOICEMAIL})


class CallEnd(StrEnum):
    """How the customer's last call ended (OB-NO-CALL-DISCONNECT, OB-NO-CALL-TIME)."""

    DROPPED = "dropped"
    CUSTOMER_DISCONNECTED = "customer_disconnected"
    TIME_RESTRICTION = "time_restriction"
    COMPLETED = "completed"
    OTHER = "other"


class ContactProvenance(StrEnum):
    """How a number became a contact point on the account (OB-SCOPE-CUSTOMER)."""

    ACCOUNT = "account"
    AUTHORISED_USER = "authorised_user"
    GIVEN_ON_CALL = "given_on_call"


class ConsentChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    MESSAGE = "message"
    PORTAL = "portal"


class PaymentRaisedBy(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


class ProofFact(StrEnum):
    """What an agent may tell a customer who asks for proof the call is genuine (OB-PROOF)."""

    LAST_BILL_AMOUNT = "last_bill_amount"
    DEVICE_IN_USE = "device_in_use"
    LAST_CARE_CALL_DATE = "last_care_call_date"
    ACCOUNT_BALANCE = "account_balance"
    ADDRESS = "address"
    PAYMENT_METHOD = "payment_method"
    ACCOUNT_PIN = "account_pin"
    SSN_LAST_FOUR = "ssn_last_four"


ALLOWED_PROOF_FACTS = frozenset(
    {ProofFact.LAST_BILL_AMOUNT, ProofFact.DEVICE_IN_USE, ProofFact.LAST_CARE_CALL_DATE}
)


class VerificationField(StrEnum):
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    DATE_OF_BIRTH = "date_of_birth"
    ADDRESS = "address"
    ACCOUNT_PIN = "account_pin"
    SSN = "ssn"


NAME_FIELDS = frozenset({VerificationField.FIRST_NAME, VerificationField.LAST_NAME})


class EmailItem(StrEnum):
    """What the Service Assurance scheduling email states (OB-SA-EMAIL-FIRST and friends)."""

    PURPOSE = "purpose"
    AVAILABILITY_WINDOWS = "availability_windows"
    NEXT_STEPS = "next_steps"
    TROUBLESHOOTING_ON_CALL = "troubleshooting_on_call"
    AUTHENTICATION_MAY_BE_NEEDED = "authentication_may_be_needed"
    HAVE_PIN_READY = "have_pin_ready"
    SUPPORT_NUMBER = "support_number"


SCHEDULING_ITEMS = (EmailItem.PURPOSE, EmailItem.AVAILABILITY_WINDOWS, EmailItem.NEXT_STEPS)
PREPARATION_ITEMS = (
    EmailItem.TROUBLESHOOTING_ON_CALL,
    EmailItem.AUTHENTICATION_MAY_BE_NEEDED,
    EmailItem.HAVE_PIN_READY,
)


class CallbackOutcome(StrEnum):
    """How a callback closes at wrap-up."""

    RESOLVED = "resolved"
    VOICEMAIL_LEFT = "voicemail_left"
    FOLLOW_UP_SCHEDULED = "follow_up_scheduled"
    NO_CONTACT = "no_contact"
    HANDED_OFF = "handed_off"
