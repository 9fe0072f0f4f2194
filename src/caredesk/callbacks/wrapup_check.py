"""Checking a wrap-up before it is submitted: the memo (and the case update) an agent is still
writing, judged by the rules the wrap-up itself runs (OB-MEMO's completeness and its refusal of
SSNs, PINs/passcodes and card numbers, OB-TICKET-UPDATE, OB-VOICEMAIL), writing nothing.

A desktop runs it as the agent types, so a memo the wrap-up would refuse cannot be submitted;
``wrapup.wrap_up`` still decides when it is."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from caredesk.agents.service import get_agent
from caredesk.callbacks.attempts import latest_attempt
from caredesk.callbacks.guide import outcomes_for
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.callbacks.notices import case_number
from caredesk.callbacks.policy_view import build_context
from caredesk.callbacks.records import load_callback
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.db.session import UnitOfWork
from caredesk.policy import CallbackOutcome, Decision, Memo, Step, TicketUpdate, WrapUp, evaluate
from caredesk.privacy import PiiFinding, find_secrets

MEMO_FIELDS = ("reason", "summary", "customer_response")
PROGRESS_FIELDS = ("findings", "actions_taken", "new_information")


@dataclass(frozen=True)
class WrapUpDraft:
    """What the agent has written so far."""

    outcome: str = ""
    reason: str = ""
    summary: str = ""
    customer_response: str = ""
    findings: str = ""
    actions_taken: str = ""
    new_information: str = ""

    def texts(self) -> dict[str, str]:
        values = asdict(self)
        return {name: str(values[name]) for name in (*MEMO_FIELDS, *PROGRESS_FIELDS)}


@dataclass(frozen=True)
class WrapUpCheck:
    decision: Decision
    """The wrap-up step's decision on the draft (OB-MEMO, OB-TICKET-UPDATE, OB-VOICEMAIL...)."""
    outcome_problem: str | None
    secrets: tuple[PiiFinding, ...]
    """Every SSN, PIN/passcode or card number in any field: where, and of what kind."""
    ticket_linked: bool

    @property
    def ok(self) -> bool:
        return self.decision.allowed and self.outcome_problem is None and not self.secrets


def policy_wrap_up(
    draft: WrapUpDraft, outcome: CallbackOutcome | None, tickets: tuple[str, ...]
) -> WrapUp:
    """The draft as the policy reads a wrap-up: the memo, the outcome and, for a ticket-linked
    callback, the ticket update carrying the memo's details and the progress made."""
    return WrapUp(
        memo=Memo(
            draft.reason.strip(), tickets, draft.summary.strip(), draft.customer_response.strip()
        ),
        outcome=outcome,
        ticket_update=(
            TicketUpdate(
                tickets,
                includes_memo_details=True,
                findings=draft.findings.strip(),
                actions_taken=draft.actions_taken.strip(),
                new_information=draft.new_information.strip(),
            )
            if tickets
            else None
        ),
    )


def _outcome(callback: Callback, value: str) -> tuple[CallbackOutcome | None, str | None]:
    allowed = outcomes_for(callback)
    try:
        outcome = CallbackOutcome(value)
    except ValueError:
        return None, "choose how the callback ends"
    if outcome not in allowed:
        reached = "was" if callback.contact_made else "was not"
        return None, (
            f"the customer {reached} reached, so the outcome cannot be "
            f"{outcome.value.replace('_', ' ')}"
        )
    return outcome, None


def check_wrap_up(
    uow: UnitOfWork, *, runtime: CallbackRuntime, callback_id: int, draft: WrapUpDraft
) -> WrapUpCheck:
    """The draft judged as the wrap-up would judge it now, for the agent on the call."""
    callback = load_callback(uow, callback_id)
    outcome, problem = _outcome(callback, draft.outcome)
    if callback.status != CallbackStatus.WRAP_UP.value:
        problem = f"callback {callback.id} is {callback.status.replace('_', ' ')}, not in wrap-up"
    attempt = latest_attempt(uow, callback)
    agent = get_agent(uow, agent_id=attempt.agent_id) if attempt and attempt.agent_id else None
    case = case_number(uow, callback.ticket_id)
    tickets = (case,) if case else ()
    context = build_context(
        uow,
        callback=callback,
        step=Step.WRAP_UP,
        now=uow.clock.now(),
        agent=agent,
        wrap_up=policy_wrap_up(draft, outcome, tickets),
    )
    return WrapUpCheck(
        decision=evaluate(context, runtime.policy),
        outcome_problem=problem,
        secrets=tuple(find_secrets(draft.texts())),
        ticket_linked=bool(tickets),
    )
