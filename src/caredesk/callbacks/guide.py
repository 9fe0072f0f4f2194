"""The guided outbound call as a desktop walks an agent through it: where one callback's call
stands (waiting, before the dial, dialling, on the line, after the call, closed) and the
policy's decision at each step of the handbook's order, for the agent who would act.

Nothing here writes. The use cases (calls, attempts, steps, wrapup) decide again when the agent
acts; this is what the agent reads first: the pre-call checklist (the dial gate as it would run
now), each conversation step with what it still waits for, the actions that are never taken on
an outbound call with the rule that forbids them, and what the wrap-up still needs.

The handbook's order on the line: verify first and last name, read the recording disclosure,
then what the customer needs (proof of the call only when they ask, troubleshooting, a payment
they raise, a one-time PIN)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from caredesk.agents.models import Agent as AgentRow
from caredesk.agents.service import get_agent
from caredesk.callbacks.attempts import UNANSWERED, latest_attempt
from caredesk.callbacks.dial_refusals import cannot_take
from caredesk.callbacks.inbound_link import (
    inbound_facts,
    live_inbound_call_id,
    load_inbound_call,
    tied_call_id,
)
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackStatus
from caredesk.callbacks.policy_view import CallSoFar, attempts_of, build_context, call_events
from caredesk.callbacks.records import Event, load_callback
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.wrapup import REACHED
from caredesk.db.session import UnitOfWork
from caredesk.policy import (
    AgentState,
    AttemptResult,
    Blocker,
    CallbackOutcome,
    CallProgress,
    Decision,
    DialTarget,
    LineOfBusiness,
    PaymentRaisedBy,
    PolicyContext,
    ProofFact,
    RuleResult,
    Step,
    evaluate,
)

S = CallbackStatus


class Phase(StrEnum):
    WAITING = "waiting"
    """Not dialable yet: the notice, the customer's choice of time or a person's attention."""
    BEFORE_DIAL = "before_dial"
    DIALLING = "dialling"
    ON_THE_LINE = "on_the_line"
    AFTER_CALL = "after_call"
    CLOSED = "closed"


PHASES: dict[CallbackStatus, Phase] = {
    S.REQUESTED: Phase.WAITING,
    S.AWAITING_NOTIFICATION: Phase.WAITING,
    S.AWAITING_SCHEDULE: Phase.WAITING,
    S.NEEDS_ATTENTION: Phase.WAITING,
    S.SCHEDULED: Phase.BEFORE_DIAL,
    S.OFFERED: Phase.BEFORE_DIAL,
    S.DIALING: Phase.DIALLING,
    S.IN_CALL: Phase.ON_THE_LINE,
    S.WRAP_UP: Phase.AFTER_CALL,
    S.COMPLETED: Phase.CLOSED,
    S.CLOSED_UNREACHABLE: Phase.CLOSED,
    S.CANCELLED: Phase.CLOSED,
    S.REFUSED: Phase.CLOSED,
}

# The steps on the line, in the handbook's order.
CONVERSATION: tuple[Step, ...] = (
    Step.VERIFY_NAME,
    Step.DISCLOSURE,
    Step.PROOF,
    Step.TROUBLESHOOT,
    Step.PAYMENT,
    Step.OTP,
)
SERVICE_ASSURANCE_STEPS: tuple[Step, ...] = (Step.VERIFY_PIN,)
# On a call tied to an inbound call: OB-ALT-NUMBER's Consult path, in its order.
CONSULT_STEPS: tuple[Step, ...] = (Step.CONSULT, Step.END_LINE_ONE, Step.RECONNECT)
# How the dial ended, as the agent reports it (a failed dial is the gateway's to say).
DIAL_RESULTS: tuple[AttemptResult, ...] = (
    AttemptResult.CONTACT,
    AttemptResult.NO_ANSWER,
    AttemptResult.BUSY,
    AttemptResult.VOICEMAIL,
)


@dataclass(frozen=True)
class Probe:
    """Something an agent might be tempted to do on the line, asked of the policy as they would
    ask it; shown as blocked when a rule refuses it for good."""

    label: str
    step: Step
    progress: dict[str, object]


PROBES: tuple[Probe, ...] = (
    Probe("Verify the customer's Social Security number", Step.VERIFY_SSN, {}),
    Probe("Verify the customer's PIN or passcode", Step.VERIFY_PIN, {}),
    Probe(
        "Ask the customer for a payment or a payment arrangement",
        Step.PAYMENT,
        {"payment_raised_by": PaymentRaisedBy.AGENT},
    ),
    Probe(
        "Give the account balance or address as proof of the call",
        Step.PROOF,
        {"proof_facts": frozenset({ProofFact.ACCOUNT_BALANCE, ProofFact.ADDRESS})},
    ),
)


@dataclass(frozen=True)
class Blocked:
    label: str
    results: tuple[RuleResult, ...]


@dataclass(frozen=True)
class Guide:
    callback: Callback
    phase: Phase
    agent: AgentRow | None
    """The agent the guide is read for (the one who would dial, or is on the call)."""
    attempt: CallbackAttempt | None
    """The latest attempt, if any."""
    attempts_made: int
    attempt_limit: int
    progress: CallProgress
    dial: Decision
    """The dial gate for this agent now: the pre-call checklist."""
    steps: dict[Step, Decision]
    """On the line: each conversation step's decision now."""
    blocked: tuple[Blocked, ...]
    wrap_up: Decision | None
    """After the call: the wrap-up judged without a memo yet (what it still needs)."""
    outcomes: tuple[CallbackOutcome, ...]
    done: frozenset[str]
    """The kinds of the timeline entries of the call in progress (since its last dial)."""
    troubleshooting: tuple[str, ...] | None = None
    """On the line, once troubleshooting is on record: the steps the policy asked for then (the
    alternate number when the device being called is the one to troubleshoot)."""
    not_theirs: tuple[tuple[str, str], ...] = ()
    """Before the dial: why this agent may not take the callback at all (offered to another
    agent, another team's, held by a dispatcher), as (rule ID, sentence)."""
    inbound_call_id: int | None = None
    """Before the dial: the live inbound call the agent is Talking on, which the dial is judged
    as tied to (Consult). On the line: the inbound call the dial named (the Consult path)."""

    @property
    def can_dial(self) -> bool:
        return (
            self.phase is Phase.BEFORE_DIAL
            and self.agent is not None
            and self.dial.allowed
            and not self.not_theirs
        )

    @property
    def on_my_call(self) -> bool:
        """The guide's agent placed the latest attempt (so they act on this call)."""
        return (
            self.attempt is not None
            and self.agent is not None
            and self.attempt.agent_id == self.agent.id
            and self.phase in (Phase.DIALLING, Phase.ON_THE_LINE, Phase.AFTER_CALL)
        )

    @property
    def offered_to_me(self) -> bool:
        return (
            self.agent is not None
            and self.callback.status == S.OFFERED.value
            and self.callback.offered_to_agent_id == self.agent.id
        )

    @property
    def voicemail_due(self) -> bool:
        """OB-VOICEMAIL: the last allowed attempt went unanswered and no voicemail is left."""
        last = AttemptResult(self.attempt.result) if self.attempt and self.attempt.result else None
        return (
            self.phase is Phase.AFTER_CALL
            and not self.callback.contact_made
            and last in UNANSWERED
            and not self.progress.voicemail_left
        )

    @property
    def talked(self) -> bool:
        """Name verified and disclosure read: the rest of the conversation may go on."""
        return self.progress.name_verified and self.progress.disclosure_read


def outcomes_for(callback: Callback) -> tuple[CallbackOutcome, ...]:
    """The outcomes a wrap-up of this callback accepts: a reached customer's, or not."""
    if callback.contact_made:
        return tuple(outcome for outcome in CallbackOutcome if outcome in REACHED)
    return tuple(outcome for outcome in CallbackOutcome if outcome not in REACHED)


def dial_target(
    callback: Callback, agent: AgentRow | None, runtime: CallbackRuntime, number: str | None = None
) -> DialTarget:
    """What the dial gate judges: this number (the callback's by default) from the agent's
    platform line; the alternate number given for troubleshooting counts as such from
    After-Call Work (OB-ALT-NUMBER)."""
    target = number or callback.number
    line = agent.platform_line if agent else ""
    return DialTarget(
        number=target,
        originating_line=line,
        platform_line=bool(agent) and line in runtime.gateway.platform_lines(),
        alternate_for_troubleshooting=(
            agent is not None
            and target == callback.alternate_number
            and agent.state == AgentState.AFTER_CALL_WORK
        ),
    )


def _judge(
    context: PolicyContext, runtime: CallbackRuntime, step: Step, **progress: object
) -> Decision:
    call = dataclasses.replace(context.call, **progress) if progress else context.call  # type: ignore[arg-type]
    return evaluate(dataclasses.replace(context, step=step, call=call), runtime.policy)


def _final_failures(decision: Decision) -> tuple[RuleResult, ...]:
    return tuple(result for result in decision.failed if result.blocker is Blocker.FINAL)


def call_guide(
    uow: UnitOfWork, *, runtime: CallbackRuntime, callback_id: int, agent_id: int | None
) -> Guide:
    """The guide to one callback's call for ``agent_id`` (the agent on the call when it is in
    progress; without an agent, judged for whoever would take it)."""
    callback = load_callback(uow, callback_id)
    phase = PHASES[S(callback.status)]
    attempt = latest_attempt(uow, callback)
    acting = agent_id
    if phase in (Phase.DIALLING, Phase.ON_THE_LINE, Phase.AFTER_CALL) and attempt is not None:
        acting = attempt.agent_id
    agent = get_agent(uow, agent_id=acting) if acting else None
    if agent is not None:
        uow.session.refresh(agent)
    now = uow.clock.now()
    number = (
        callback.alternate_number
        if callback.alternate_number
        and agent is not None
        and agent.state == AgentState.AFTER_CALL_WORK
        and phase is Phase.BEFORE_DIAL
        else None
    )
    inbound_call_id: int | None = None
    if phase is Phase.BEFORE_DIAL and agent is not None and agent.state == AgentState.TALKING:
        inbound_call_id = live_inbound_call_id(
            uow, agent_id=agent.id, account_id=callback.account_id
        )
    elif phase is Phase.ON_THE_LINE:
        inbound_call_id = tied_call_id(uow, callback)
    inbound = (
        inbound_facts(
            load_inbound_call(
                uow, call_id=inbound_call_id, account_id=callback.account_id, lock=False
            )
        )
        if inbound_call_id is not None
        else None
    )
    context = build_context(
        uow,
        callback=callback,
        step=Step.DIAL,
        now=now,
        agent=agent,
        dial=dial_target(callback, agent, runtime, number),
        inbound_call=inbound,
    )
    dial = evaluate(context, runtime.policy)
    events = call_events(uow, callback)
    progress = CallSoFar.of(callback, events).progress
    troubleshooting = next(
        (
            tuple(str(step) for step in (event.facts or {}).get("required_steps") or ())
            for event in reversed(events)
            if event.kind == Event.TROUBLESHOOTING
        ),
        None,
    )
    context = dataclasses.replace(context, call=progress)
    steps: dict[Step, Decision] = {}
    blocked: list[Blocked] = []
    lob = LineOfBusiness(callback.line_of_business)
    limit = runtime.policy.for_lob(lob).max_attempts_without_contact
    if phase is Phase.ON_THE_LINE:
        wanted = CONVERSATION
        if lob in (LineOfBusiness.SA_BTS, LineOfBusiness.SA_ATS):
            wanted += SERVICE_ASSURANCE_STEPS
        if inbound_call_id is not None:
            wanted += CONSULT_STEPS
        steps = {step: _judge(context, runtime, step) for step in wanted}
        for probe in PROBES:
            failures = _final_failures(_judge(context, runtime, probe.step, **probe.progress))
            if failures:
                blocked.append(Blocked(probe.label, failures))
    wrap_up = _judge(context, runtime, Step.WRAP_UP) if phase is Phase.AFTER_CALL else None
    not_theirs: tuple[tuple[str, str], ...] = ()
    if phase is Phase.BEFORE_DIAL and agent is not None:
        problem = cannot_take(callback, agent, now)
        if problem is not None:
            failed = problem.extra.get("decision", {}).get("failed", [])
            not_theirs = tuple((str(i["rule_id"]), str(i["sentence"])) for i in failed)
    made = len([row for row in attempts_of(uow, callback) if row.result is not None])
    return Guide(
        callback=callback,
        phase=phase,
        agent=agent,
        attempt=attempt,
        attempts_made=made,
        attempt_limit=limit,
        progress=progress,
        dial=dial,
        steps=steps,
        blocked=tuple(blocked),
        wrap_up=wrap_up,
        outcomes=outcomes_for(callback),
        done=frozenset(event.kind for event in events),
        not_theirs=not_theirs,
        troubleshooting=troubleshooting,
        inbound_call_id=inbound_call_id,
    )
