"""The tables of a caller's IVR walk: one walk per inbound call (its interaction), and every step
of it in order, with what the caller did and what they heard."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from caredesk.db.base import Base, UTCDateTime, partial_index

MAX_INPUT = 500


class WalkPhase(StrEnum):
    MENU = "menu"
    """The caller is choosing in a menu."""
    OFFER = "offer"
    """The caller is asked whether to be called back (a long wait, or a closed queue)."""
    VOICEMAIL = "voicemail"
    """The caller is asked to leave a message, which will open a case."""
    ENDED = "ended"


class WalkOutcome(StrEnum):
    QUEUED = "queued"
    """Connected to a queue to wait for an agent."""
    CLOSED = "closed"
    """The queue was closed: its after-hours message and action ended the walk."""
    CALLBACK = "callback"
    """The caller accepted a callback instead of waiting."""
    HUNG_UP = "hung_up"
    """The caller hung up before the walk ended (in the menus, or at an offer or voicemail)."""


class IvrWalk(Base):
    """Where one caller is in the menus, and once the walk is over, where it went."""

    __tablename__ = "ivr_walks"
    # The wait log (`inbound.waits.stored_log`) and the give-up history (`inbound.patience`)
    # read the last callers answered, newest first, on every estimate: without this index each
    # read sorted every walk ever answered.
    __table_args__ = (Index("ix_ivr_walks_answered_at_id", "answered_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), unique=True)
    phase: Mapped[str] = mapped_column(String(10))
    menu: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    misses: Mapped[int] = mapped_column(Integer)
    # Menus left behind on the way here, for "back".
    trail: Mapped[list[str]] = mapped_column(JSON)
    steps_taken: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(10))
    queue: Mapped[str | None] = mapped_column(String(64), index=True)
    # The queue the menu pointed at (differs from `queue` after an after-hours transfer).
    chosen_queue: Mapped[str | None] = mapped_column(String(64))
    route_reason: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(Integer)
    after_hours_action: Mapped[str | None] = mapped_column(String(10))
    # The queue's overflow rule that acted on the caller (by its name in the file): at entry, or
    # a waited_over rule that moved them on (`route_reason` is then "overflow").
    overflow_rule: Mapped[str | None] = mapped_column(String(64))
    # What was offered in the OFFER phase: "queue_callback" (long wait) or "after_hours".
    offer: Mapped[str | None] = mapped_column(String(20))
    estimate_seconds: Mapped[float | None] = mapped_column(Float)
    # The estimate as the caller heard it (kind, minutes, words...), kept as told.
    announcement: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Every predictor's estimate at entry ({predictor: seconds | null}) and the one told: with
    # `waited_seconds`, the log each queue's predictor is chosen from (`routing.wait_choice`).
    estimates: Mapped[dict[str, float | None] | None] = mapped_column(JSON)
    predictor: Mapped[str | None] = mapped_column(String(10))
    # The learned predictor's inputs at entry (`routing.wait.features`), to fit it on.
    wait_inputs: Mapped[list[float] | None] = mapped_column(JSON)
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id"))
    # The rules that refused the callback for good, or that hold it back until later (the
    # calling window), as the policy said when the caller accepted.
    callback_rules: Mapped[list[str] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When an agent accepted the caller, and the wait that followed the estimate told at entry
    # (answered_at - queued_at): the pairs the estimate's accuracy is measured on.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    waited_seconds: Mapped[float | None] = mapped_column(Float)

    # The step count is the row's version: every write of a walk is guarded by the count it
    # read, so two inputs taken at once cannot both write step n (SQLite has no row locks).
    __mapper_args__ = {"version_id_col": steps_taken, "version_id_generator": False}


class IvrStep(Base):
    """One step of a walk: the caller's input (none for the greeting) and what they heard."""

    __tablename__ = "ivr_steps"
    __table_args__ = (UniqueConstraint("walk_id", "seq", name="uq_ivr_steps_walk_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("ivr_walks.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The menu the input was given in ("offer" for the callback question).
    menu: Mapped[str] = mapped_column(String(64))
    # "start", "digit", "keyword", "no_input" or "invalid".
    kind: Mapped[str] = mapped_column(String(10))
    # Spoken or typed words are stored with any secret in them masked.
    value: Mapped[str] = mapped_column(String(MAX_INPUT))
    accepted: Mapped[bool] = mapped_column(Boolean)
    said: Mapped[list[str]] = mapped_column(JSON)
    phase: Mapped[str] = mapped_column(String(10))
    """The walk's phase after this step."""


class OfferStatus(StrEnum):
    OFFERED = "offered"
    """The agent is reserved for the caller until the offer expires."""
    ACCEPTED = "accepted"
    DECLINED = "declined"
    MISSED = "missed"
    """Neither accepted nor declined in time: the caller went back to their place."""
    WITHDRAWN = "withdrawn"
    """The caller hung up while the offer was open."""


OPEN = OfferStatus.OFFERED.value
OFFERED_ONLY = f"status = '{OPEN}'"


class InboundOffer(Base):
    """A waiting caller offered to one Ready agent, who is Reserved for them until `expires_at`.

    At most one open offer per walk and per agent: the partial unique indexes hold that on
    every engine, so two routing rounds racing can never offer one caller twice or one agent
    two callers. The caller never leaves the queue while offered: their place is `queued_at`
    on the walk, untouched, so an offer that ends without an answer changes nothing there."""

    __tablename__ = "inbound_offers"
    __table_args__ = (
        partial_index("uq_inbound_offers_open_walk", "walk_id", unique=True, where=OFFERED_ONLY),
        partial_index("uq_inbound_offers_open_agent", "agent_id", unique=True, where=OFFERED_ONLY),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("ivr_walks.id"), index=True)
    # The call's interaction (the call id of /v1/ivr/calls).
    call_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), index=True)
    # As routing decided it: time waited, the skill step in force, overflow (secondary) agent.
    waited_seconds: Mapped[float] = mapped_column(Float)
    min_level: Mapped[int] = mapped_column(Integer)
    as_secondary: Mapped[bool] = mapped_column(Boolean)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WrapUpEnd(StrEnum):
    READY = "ready"
    """The wrap-up time was over and the dispatcher put the agent back to Ready."""
    MOVED_ON = "moved_on"
    """The agent had left that After-Call Work spell already (Ready early, a Not Ready reason,
    another call): nothing was changed."""


class InboundWrapUp(Base):
    """An agent's After-Call Work after an inbound call, timed by the call's queue.

    The spell is the agent's state version it started at (`state_version`): when `due_at` has
    passed, the dispatcher moves the agent to Ready only if they are still in that very spell,
    so an agent who went Ready early or picked a Not Ready reason is left where they chose."""

    __tablename__ = "inbound_wrap_ups"
    __table_args__ = (
        partial_index("ix_inbound_wrap_ups_open_due", "due_at", where="ended_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    state_version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(10))
