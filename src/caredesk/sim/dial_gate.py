"""The policy gate every queue callback dial passes in the twin: the real outbound-call policy.

When a queue callback's turn comes (its agent reserved, agent-first), the twin builds the
`PolicyContext` of the dial, as the product's dialer does for any callback, and asks
`caredesk.policy.evaluate` with the policy configuration in force: OB-WINDOW in the customer's
zone (worked out from the number), OB-NOTIFY, OB-STATE, OB-ATTEMPTS and its spacing,
OB-VOICEMAIL, OB-INTL and the rest apply as written. What the gate answers:

- DIAL: every rule allows it now;
- WAIT until an instant: the time rules refuse now (the window is closed in the customer's
  zone, or attempts must be spaced); the callback leaves the line and rejoins it at that
  instant, at its original place;
- VOICEMAIL: the last allowed attempt went unanswered; the agent leaves a voicemail and the
  callback closes as "voicemail left";
- REFUSED: another rule refuses for good; the callback closes refused.

The dialer carries out the one step a dial may need on the spot: when OB-NOTIFY asks for the
announcing template, it is sent (recorded at that instant) and the gate is asked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from caredesk.policy.config import PolicyConfig
from caredesk.policy.context import (
    Agent,
    Attempt,
    Callback,
    ContactPoint,
    Customer,
    DialTarget,
    History,
    Notification,
    PolicyContext,
    Shift,
)
from caredesk.policy.decision import Blocker, Decision, StepKind
from caredesk.policy.engine import DEFAULT_CONFIG, evaluate
from caredesk.policy.vocabulary import (
    AgentState,
    AttemptResult,
    CallbackOrigin,
    CallbackReason,
    CallerRole,
    LineOfBusiness,
    Step,
)

LINE = "twin-gateway-1"
"""The platform voice gateway line the twin's agents dial from (OB-DEVICE)."""
_SEND = StepKind.SEND_TEMPLATE
# Nobody in care has spoken with the caller yet: queue callbacks are exempt from OB-SPOKE-FIRST
# by the policy configuration, not by the twin.
_NOBODY_SPOKE = History(customer_spoken_to=False, agent_spoke_to_customer=False)
_VOICEMAIL = StepKind.LEAVE_VOICEMAIL


class Verdict(StrEnum):
    DIAL = "dial"
    WAIT = "wait"
    VOICEMAIL = "voicemail"
    REFUSED = "refused"


@dataclass(slots=True)
class QueueCallback:
    """A queue callback as the dialer keeps it: who to call, what was sent and tried."""

    callback_id: str
    account_id: str
    number: str
    requested_at: datetime
    attempts: list[Attempt] = field(default_factory=list)
    notices: list[Notification] = field(default_factory=list)

    @property
    def contact_made(self) -> bool:
        return any(attempt.result is AttemptResult.CONTACT for attempt in self.attempts)


@dataclass(frozen=True, slots=True)
class GateAnswer:
    verdict: Verdict
    decision: Decision
    until: datetime | None = None
    """WAIT: when to try again."""
    notice_sent: bool = False

    @property
    def rules(self) -> tuple[str, ...]:
        """The rules that refused: for WAIT, those time makes pass (OB-WINDOW, OB-ATTEMPTS'
        spacing); what else is missing then is done when the time comes."""
        failed = self.decision.failed
        if self.verdict is Verdict.WAIT:
            return tuple(r.rule_id for r in failed if r.blocker is Blocker.TIME)
        return tuple(r.rule_id for r in failed)


class DialGate:
    def __init__(
        self,
        config: PolicyConfig = DEFAULT_CONFIG,
        line_of_business: LineOfBusiness = LineOfBusiness.CARE,
    ) -> None:
        self.config = config
        self.line_of_business = line_of_business
        self.template = config.template_for(
            CallbackReason.QUEUE_CALLBACK, CallbackOrigin.QUEUE_CALLBACK
        )
        self.evaluations = 0
        self._parts: dict[str, tuple[Customer, DialTarget]] = {}
        self._agents: dict[tuple[str, Shift | None], Agent] = {}

    def context(
        self, callback: QueueCallback, agent_id: str, shift: Shift | None, now: datetime
    ) -> PolicyContext:
        """The dial of `callback` by `agent_id` at `now`: the agent switches to Not Ready -
        Follow-Up to make it (a queue callback is not tied to a live inbound call)."""
        number = callback.number
        parts = self._parts.get(callback.callback_id)
        if parts is None:
            # What stays the same from one dial of this callback to the next, built once.
            parts = self._parts[callback.callback_id] = (
                Customer(callback.account_id, contact_points=(ContactPoint(number),)),
                DialTarget(number, originating_line=LINE),
            )
        agent = self._agents.get((agent_id, shift))
        if agent is None:
            agent = self._agents[agent_id, shift] = Agent(
                agent_id, AgentState.NOT_READY_FOLLOW_UP, shift=shift
            )
        return PolicyContext(
            now=now,
            step=Step.DIAL,
            line_of_business=self.line_of_business,
            caller_role=CallerRole.AGENT,
            agent=agent,
            customer=parts[0],
            callback=Callback(
                callback.callback_id,
                CallbackReason.QUEUE_CALLBACK,
                CallbackOrigin.QUEUE_CALLBACK,
                due_at=callback.requested_at,
                owner_agent_id=agent_id,
                attempts=tuple(callback.attempts),
                notifications=tuple(callback.notices),
            ),
            history=_NOBODY_SPOKE,
            dial=parts[1],
        )

    def forget(self, callback: QueueCallback) -> None:
        """The callback is closed: its parts need not be kept."""
        self._parts.pop(callback.callback_id, None)

    def _evaluate(self, ctx: PolicyContext) -> Decision:
        self.evaluations += 1
        return evaluate(ctx, self.config)

    def check(
        self, callback: QueueCallback, agent_id: str, shift: Shift | None, now: datetime
    ) -> GateAnswer:
        decision = self._evaluate(self.context(callback, agent_id, shift, now))
        if decision.allowed:
            return GateAnswer(Verdict.DIAL, decision)
        later = decision.next_allowed_at
        if later is not None and later > now:
            # The time rules refuse now; whatever else is missing is done when it opens (a
            # notice is never sent for a dial that cannot happen yet).
            return GateAnswer(Verdict.WAIT, decision, later)
        sent = False
        if any(step.kind is _SEND for step in decision.required_steps):
            callback.notices.append(Notification(self.template, now))
            sent = True
            decision = self._evaluate(self.context(callback, agent_id, shift, now))
            if decision.allowed:
                return GateAnswer(Verdict.DIAL, decision, notice_sent=True)
        if callback.attempts and any(step.kind is _VOICEMAIL for step in decision.required_steps):
            return GateAnswer(Verdict.VOICEMAIL, decision, notice_sent=sent)
        return GateAnswer(Verdict.REFUSED, decision, notice_sent=sent)
