"""What the policy answers: a Decision made of rule results that explain themselves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from caredesk.policy.vocabulary import Step

FactValue = str | int | bool | None


class Blocker(StrEnum):
    """What it takes to get past a failed rule; decides `Decision.next_allowed_at`."""

    TIME = "time"
    """Waiting helps: the rule passes at a later instant."""
    ACTION = "action"
    """Doing the listed required steps helps."""
    FINAL = "final"
    """Nothing helps for this callback, agent and step as they stand."""


class StepKind(StrEnum):
    CONFIRM_ZONE = "confirm_zone"
    SEND_TEMPLATE = "send_template"
    AWAIT_TEMPLATE = "await_template"
    SEND_SCHEDULING_EMAIL = "send_scheduling_email"
    SWITCH_TO_FOLLOW_UP_STATE = "switch_to_follow_up_state"
    USE_PLATFORM_LINE = "use_platform_line"
    LEAVE_VOICEMAIL = "leave_voicemail"
    WRITE_MEMO = "write_memo"
    CLOSE_AS_VOICEMAIL_LEFT = "close_as_voicemail_left"
    READ_DISCLOSURE = "read_disclosure"
    VERIFY_NAME = "verify_name"
    FOLLOW_OTP_GUIDELINES = "follow_otp_guidelines"
    RECORD_PAYMENT_RAISER = "record_payment_raiser"
    RECORD_PIN_AUDIT = "record_pin_audit"
    ASK_ALTERNATE_NUMBER = "ask_alternate_number"
    CALL_ALTERNATE_FROM_ACW = "call_alternate_from_acw"
    CONSULT_ALTERNATE = "consult_alternate"
    GUIDED_TROUBLESHOOTING = "guided_troubleshooting"
    END_LINE_ONE = "end_line_one"
    RECONNECT_OUTBOUND = "reconnect_outbound"
    COMPLETE_MEMO = "complete_memo"
    REMOVE_MEMO_PII = "remove_memo_pii"
    UPDATE_TICKET = "update_ticket"
    PREPARE_CUSTOMER = "prepare_customer"
    OFFER_SUPPORT_NUMBER = "offer_support_number"
    ROUTE_VIA_ASSIGNMENT_POOL = "route_via_assignment_pool"
    KEEP_WITH_OWNER = "keep_with_owner"


_LABELS: dict[StepKind, str] = {
    StepKind.CONFIRM_ZONE: "Have a person confirm the customer's time zone{detail}",
    StepKind.SEND_TEMPLATE: 'Send the "{bare}" template first',
    StepKind.AWAIT_TEMPLATE: 'Wait for the "{bare}" template: it is queued to go shortly before '
    "the call",
    StepKind.SEND_SCHEDULING_EMAIL: "Send the Service Assurance scheduling email first{detail}",
    StepKind.SWITCH_TO_FOLLOW_UP_STATE: "Switch to Not Ready - Follow-Up",
    StepKind.USE_PLATFORM_LINE: "Place the call through the platform voice gateway, never a "
    "personal device",
    StepKind.LEAVE_VOICEMAIL: "Leave a voicemail",
    StepKind.WRITE_MEMO: "Write the account memo",
    StepKind.CLOSE_AS_VOICEMAIL_LEFT: 'Close the callback as "voicemail left"',
    StepKind.READ_DISCLOSURE: 'Read: "This call may be recorded for quality and training '
    'purposes."',
    StepKind.VERIFY_NAME: "Verify the customer's first and last name",
    StepKind.FOLLOW_OTP_GUIDELINES: "Follow the One Time PIN guidelines",
    StepKind.RECORD_PAYMENT_RAISER: "Record who raised the payment request",
    StepKind.RECORD_PIN_AUDIT: "Record the account change this PIN/passcode check authorises"
    "{detail}",
    StepKind.ASK_ALTERNATE_NUMBER: "Ask the customer for a different number to call",
    StepKind.CALL_ALTERNATE_FROM_ACW: "Enter After-Call Work and call the alternate number{detail}",
    StepKind.CONSULT_ALTERNATE: "Press Consult, dial the 10-digit alternate number{detail}, end "
    "line one, then reconnect to the outbound call",
    StepKind.GUIDED_TROUBLESHOOTING: "Continue with guided troubleshooting",
    StepKind.END_LINE_ONE: "Return to line one and end the inbound call{detail}",
    StepKind.RECONNECT_OUTBOUND: "Reconnect to the outbound call{detail}",
    StepKind.COMPLETE_MEMO: "Complete the memo{detail}",
    StepKind.REMOVE_MEMO_PII: "Remove or redact sensitive values from the memo{detail}",
    StepKind.UPDATE_TICKET: "Update the ticket{detail} with the memo details, findings, actions "
    "taken and new information",
    StepKind.PREPARE_CUSTOMER: "Tell the customer troubleshooting can happen on the call, may "
    "need account changes that require authentication, and to have the PIN/passcode ready",
    StepKind.OFFER_SUPPORT_NUMBER: "Offer the 800 support number for immediate help or a time "
    "outside the specialist's availability",
    StepKind.ROUTE_VIA_ASSIGNMENT_POOL: "Route the callback through the tracked assignment pool",
    StepKind.KEEP_WITH_OWNER: "Complete the callback yourself within your shift, without a "
    "separate follow-up request",
}


class RequiredStep(NamedTuple):
    """Something a person must do before (or to finish) the step asked for."""

    kind: StepKind
    detail: str = ""

    @property
    def label(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return _LABELS[self.kind].format(detail=detail, bare=self.detail)


Rendered = tuple[str, Mapping[str, FactValue]]
Explain = Callable[[], Rendered]
_T = TypeVar("_T")
_NO_SUBJECT: Any = object()
"""`RuleResult._of` when `_explain` takes no argument (results built by the constructor)."""


class RuleResult:
    """One rule's verdict: the rule ID, one sentence naming the facts, and the facts.

    The sentence and facts are rendered on first read: most verdicts are only counted, and
    rendering every sentence of every passed rule would cost more than deciding.
    """

    __slots__ = ("_explain", "_of", "_rendered", "blocker", "passed", "required_steps", "rule_id")

    def __init__(
        self,
        rule_id: str,
        passed: bool,
        explain: Explain,
        blocker: Blocker | None = None,
        required_steps: tuple[RequiredStep, ...] = (),
    ) -> None:
        self.rule_id = rule_id
        self.passed = passed
        self.blocker = blocker
        self.required_steps = required_steps
        self._explain: Callable[..., Rendered] = explain
        self._of = _NO_SUBJECT
        # `_rendered` stays unset until the first read.

    def _render(self) -> Rendered:
        try:
            return self._rendered
        except AttributeError:
            of = self._of
            rendered = self._explain() if of is _NO_SUBJECT else self._explain(of)
            self._rendered: Rendered = rendered
            return rendered

    @property
    def sentence(self) -> str:
        return self._render()[0]

    @property
    def facts(self) -> Mapping[str, FactValue]:
        return self._render()[1]

    @property
    def explanation(self) -> str:
        verb = "allowed by" if self.passed else "blocked by"
        return f"{verb} {self.rule_id}: {self.sentence}"

    def _key(self) -> tuple[object, ...]:
        facts = tuple(sorted(self.facts.items()))
        return (self.rule_id, self.passed, self.sentence, facts, self.blocker, self.required_steps)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleResult):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"RuleResult({self.explanation!r}, blocker={self.blocker}, facts={self.facts!r})"


_new_result = object.__new__


def verdict(
    rule_id: str,
    passed: bool,
    explain: Callable[[_T], Rendered],
    of: _T,
    blocker: Blocker | None = None,
    required_steps: tuple[RequiredStep, ...] = (),
    _new: Callable[[type[RuleResult]], RuleResult] = _new_result,
    _cls: type[RuleResult] = RuleResult,
) -> RuleResult:
    """A RuleResult whose sentence and facts are `explain(of)`, rendered on first read.

    The same object RuleResult(rule_id, passed, lambda: explain(of), ...) builds, for less: the
    evaluators run on every decision, and a closure and an __init__ frame per rule add up.
    (`_new` and `_cls` are bound once as defaults, so they read as locals.)
    """
    result = _new(_cls)
    result.rule_id = rule_id
    result.passed = passed
    result.blocker = blocker
    result.required_steps = required_steps
    result._explain = explain
    result._of = of
    return result


def constant(rendered: Rendered) -> Rendered:
    """The explain function for a sentence and facts known when the verdict is made."""
    return rendered


class ZoneSource(StrEnum):
    ACCOUNT_ADDRESS = "account_address"
    CONFIRMED = "confirmed"
    PHONE_NUMBER = "phone_number"
    CONSENT = "consent"


class EffectiveZone(NamedTuple):
    zone: str
    source: ZoneSource


class Decision(NamedTuple):
    """The policy's answer for one step.

    `next_allowed_at` is about the time rules (OB-WINDOW, and the spacing between attempts
    that OB-ATTEMPTS asks for): the earliest instant at or after `evaluated_at` at which they
    pass, which is `evaluated_at` itself when they pass already.
    It is None when no instant will do: the time rules never pass on the facts given (unknown
    zone, windows that never overlap), or another rule failed with a FINAL blocker, so waiting
    cannot help. When only time rules fail, the same context evaluated at `next_allowed_at` is
    allowed (once a notice that aged past its validity meanwhile is sent again, OB-NOTIFY).
    Rules failing with an ACTION blocker do not move it; `required_steps` says what to do.
    """

    allowed: bool
    step: Step
    evaluated_at: datetime
    failed: tuple[RuleResult, ...]
    passed: tuple[RuleResult, ...]
    not_applicable: tuple[str, ...]
    next_allowed_at: datetime | None
    required_steps: tuple[RequiredStep, ...]
    zones: tuple[EffectiveZone, ...]

    @property
    def failed_rule_ids(self) -> tuple[str, ...]:
        return tuple(result.rule_id for result in self.failed)

    def result_for(self, rule_id: str) -> RuleResult | None:
        for result in self.failed + self.passed:
            if result.rule_id == rule_id:
                return result
        return None

    def explain(self) -> tuple[str, ...]:
        """Every failed rule first, then every passed one, one sentence each."""
        return tuple(result.explanation for result in self.failed + self.passed)
