"""The IVR call API's bodies: starting a call, one input, and a call as the caller hears it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from caredesk.inbound.models import MAX_INPUT
from caredesk.schemas import MAX_ID, Input, Output


class CallStart(Input):
    number: str = Field(
        min_length=3, max_length=32, description="The caller's number in E.164 (+14155550123)."
    )
    language: str | None = Field(
        default=None,
        max_length=16,
        description="The caller's language when already known (a number dialled for it): the "
        "language menu is skipped.",
    )


class CallInput(Input):
    """Exactly one of the three."""

    digit: str | None = Field(default=None, max_length=1, description="A DTMF key: 0-9, * or #.")
    words: str | None = Field(
        default=None, max_length=MAX_INPUT, description="Words the caller spoke or typed."
    )
    event: Literal["no_input", "invalid"] | None = Field(
        default=None,
        description="no_input: nothing before the timeout; invalid: speech not made out.",
    )


class ChoiceRead(Output):
    digit: str | None
    keywords: list[str]
    leads_to: Literal["menu", "queue", "repeat", "back", "accept", "decline", "message", "end"] = (
        Field(description="message: the words are a voicemail; end: hang up without one.")
    )
    target: str | None = Field(description="The menu or queue it leads to.")
    title: str | None = Field(description="The queue's title.")


class WaitRead(Output):
    seconds: float | None = Field(description="The estimate; null when there is no data.")
    kind: str = Field(description="fallback, less_than, about, range or more_than.")
    minutes: int | None
    high_minutes: int | None
    words: str = Field(description="The sentence the caller hears.")
    predictor: Literal["ql", "ql_m", "les", "hol", "learned"] | None = Field(
        default=None,
        description="The predictor told: the queue's most accurate lately (ql: queue length, "
        "hol: head of line...); null with no data.",
    )


class OutcomeRead(Output):
    outcome: Literal["queued", "closed", "callback", "hung_up"]
    queue: str | None
    queue_title: str | None
    chosen_queue: str | None
    reason: str | None = Field(
        description="selected, fallback, after_hours, closed or overflow (moved by a rule)."
    )
    priority: int
    after_hours_action: str | None = Field(
        description="When the queue was closed: message, callback or voicemail."
    )
    overflow_rule: str | None = Field(
        default=None,
        description="The queue's overflow rule that acted, by name: at entry, or one that moved "
        "the caller after waiting (waited_over).",
    )
    estimated_wait: WaitRead | None = None
    answered_at: datetime | None = Field(
        default=None, description="When an agent took the call from the queue."
    )
    waited_seconds: float | None = Field(
        default=None,
        description="The wait that followed the estimate told: answered at - joined the queue.",
    )
    callback_offered: bool = Field(
        default=False, description='"Call me back, keep my place" (or, closed, when we open).'
    )
    callback_id: int | None = None
    callback_status: str | None = Field(
        default=None, description="The callback's status: refused when the policy refused it."
    )
    callback_due_at: datetime | None = Field(default=None, description="When it is planned.")
    callback_rules: list[str] = Field(
        default_factory=list,
        description="The policy rules that refused the callback, or that hold it back until "
        "later (OB-WINDOW: outside the customer's calling hours).",
    )
    case: str | None = Field(default=None, description="The case a voicemail opened.")


class CallRead(Output):
    id: int = Field(description="The call's id: its interaction's id.")
    interaction_id: int
    account_id: int | None
    phase: Literal["menu", "offer", "voicemail", "ended"]
    menu: str
    language: str
    say: list[str] = Field(description="What the caller hears now, in order.")
    choices: list[ChoiceRead] = Field(description="What the caller may answer now.")
    result: OutcomeRead | None = Field(description="Where the walk went, once it ended.")
    started_at: datetime
    ended_at: datetime | None
    call_ended_at: datetime | None = Field(
        default=None, description="When the call itself ended (its interaction)."
    )
    disposition: str | None = Field(
        default=None, description="abandoned: the caller hung up while waiting in a queue."
    )


class StepRead(Output):
    seq: int
    at: datetime
    menu: str
    kind: str = Field(description="start, digit, keyword, no_input, invalid or hangup.")
    value: str
    accepted: bool
    said: list[str]
    phase: str


class CallDetailRead(CallRead):
    steps: list[StepRead]


class WaitNowRead(Output):
    call_id: int
    queue: str
    queue_title: str
    ahead: int = Field(description="Callers who arrived before this one and still wait.")
    waited_seconds: float
    estimated_wait: WaitRead
    next_announcement_at: datetime = Field(
        description="When to tell it again (the queue's announce_every_seconds from now)."
    )


class OfferStepRead(Output):
    """One step of the caller's way through the menus."""

    at: datetime
    menu: str
    kind: str
    value: str
    accepted: bool


class OfferRead(Output):
    offer_id: int
    call_id: int
    agent_id: int
    status: str = Field(description="offered, accepted, declined, missed or withdrawn.")
    queue: str
    queue_title: str
    priority: int
    caller: str | None
    account_id: int | None
    language: str
    offered_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    queued_at: datetime
    waited_seconds: float = Field(
        description="Time waited in the queue: until now while offered, until the answer once "
        "accepted."
    )
    estimate_seconds: float | None = Field(description="The wait the caller was told at entry.")
    path: list[OfferStepRead] = Field(description="The caller's way through the IVR menus.")


class OfferAnswer(Input):
    offer_id: int = Field(
        ge=1,
        le=MAX_ID,
        description="The offer answered (from GET /v1/agents/{agent_id}/offer), so that an "
        "answer meant for one offer never takes a later one.",
    )


class AgentOfferRead(Output):
    agent_id: int
    offer: OfferRead | None = Field(description="The open offer; null when there is none.")


class AccuracyRead(Output):
    count: int
    mean_actual_seconds: float | None
    rase: float | None = Field(description="Relative average squared error; 0 is perfect.")
    bias_seconds: float | None = Field(description="Mean of estimate - actual.")
    relative_bias: float | None
    within_20: float | None = Field(description="Share of estimates within ±20% of the wait.")


class WaitAccuracyRead(Output):
    since: datetime
    until: datetime
    overall: AccuracyRead
    queues: dict[str, AccuracyRead]
    predictors: dict[str, dict[str, AccuracyRead]] = Field(
        description="Per queue, every predictor's figures on the same callers (those they all "
        "had an estimate for): why the queue is told by the predictor it is."
    )


class CallEscalation(Input):
    queue: str = Field(
        min_length=1,
        max_length=64,
        description="Where the call goes: the supervisor queue or a specialised department's.",
    )
    reason: str = Field(
        min_length=1,
        max_length=300,
        description="Why, for whoever takes the call next (no SSNs, PINs or card numbers).",
    )


class CallEnd(Input):
    disposition: Literal["resolved", "transferred", "customer_disconnected", "dropped"] = Field(
        description="What the call came to: resolved, transferred (handed on outside the "
        "queues), customer_disconnected (the caller left the line), dropped (the line failed)."
    )
