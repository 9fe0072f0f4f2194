"""Facts derived once per evaluation and shared by the rules that need them.

The rules only read a Case: every derived fact (the zones, the calling window's verdict, the
notice that announces the call, the memo's findings) is a property computed on first read and
kept. The speed tricks of the policy core live here and in engine.py (with the per-memo caches these
properties read from memo.py), never in rules/: the equivalence test
(tests/unit/policy/test_equivalence.py) and benchmarks/policy_bench.py guard them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from enum import Enum
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from caredesk.policy.config import LobPolicy, PolicyConfig
from caredesk.policy.context import (
    Attempt,
    ConsentWindow,
    ContactPoint,
    Notification,
    PolicyContext,
)
from caredesk.policy.decision import EffectiveZone, RequiredStep, StepKind
from caredesk.policy.memo import MemoCheck, MemoFindings, checked_memo, memo_findings
from caredesk.policy.vocabulary import SERVICE_ASSURANCE, AttemptResult
from caredesk.policy.window import (
    LocalWindow,
    TimeRules,
    consent_active,
    consent_contains,
    next_opening_one_zone,
    wall_inside,
)
from caredesk.policy.zones import (
    ZoneResolution,
    confirmed_zone_for,
    resolve_zones,
    zone_info,
)

_CONTACT = AttemptResult.CONTACT


class WindowVerdict(Enum):
    """What the time rules say about `now` (OB-WINDOW reads it)."""

    OPEN = "open"
    """Inside an active consent's window, or (with none active) the team's window in every zone."""
    CLOSED = "closed"
    """Outside: waiting helps, unless no instant will ever do (Case.next_allowed is None)."""
    ZONE_UNKNOWN = "zone_unknown"
    """No active consent and no known zone: the customer's zone must be confirmed first."""


_OPEN = WindowVerdict.OPEN
_CLOSED = WindowVerdict.CLOSED
_ZONE_UNKNOWN = WindowVerdict.ZONE_UNKNOWN
_SEND_TEMPLATE = StepKind.SEND_TEMPLATE
_new_tuple = tuple.__new__


@lru_cache(maxsize=256, typed=True)
def _send_template(template: str) -> tuple[RequiredStep, ...]:
    return (RequiredStep(_SEND_TEMPLATE, template),)


@lru_cache(maxsize=64)
def _window(start: time, end: time) -> LocalWindow:
    return LocalWindow(start, end)


class _Place(NamedTuple):
    """Where one number (and account zone) rings, in the forms the evaluation reads it."""

    resolution: ZoneResolution
    effective: tuple[EffectiveZone, ...]
    """The zones as a Decision reports them (without consent zones)."""
    infos: tuple[ZoneInfo, ...]
    """ZoneInfo of each zone of `resolution`, in order."""


_PLACES: dict[tuple[str | None, str | None, str | None], _Place] = {}
_PLACES_KEPT = 65536
"""A plain dict, emptied when full: cheaper per look-up than lru_cache on the hot path."""


def _place(number: str | None, account_zone: str | None, confirmed: str | None = None) -> _Place:
    key = (number, account_zone, confirmed)
    place = _PLACES.get(key)
    if place is None:
        resolution = resolve_zones(number, account_zone, confirmed)
        source = resolution.source
        effective = (
            tuple(EffectiveZone(zone, source) for zone in resolution.zones)
            if source is not None
            else ()
        )
        infos = tuple(_known_zone(zone) for zone in resolution.zones)
        place = _Place(resolution, effective, infos)
        if len(_PLACES) >= _PLACES_KEPT:
            _PLACES.clear()
        _PLACES[key] = place
    return place


def _known_zone(key: str) -> ZoneInfo:
    zone = zone_info(key)
    assert zone is not None  # resolve_zones keeps only zones zone_info knows
    return zone


class Case:
    """One evaluation: the context, the configuration and what follows from them.

    Derived values are computed on first read and kept: plain slots behind properties rather
    than functools.cached_property, whose per-instance lock (Python 3.11) costs more than most
    rules. The parts of the context most rules read are attributes too (`callback`, `agent`,
    `call`, `dial`, `step`, `lob`). Nothing outside this class writes to it.
    """

    __slots__ = (
        "_closed_local",
        "_consents",
        "_contact_made",
        "_memo_check",
        "_next_allowed",
        "_next_known",
        "_notice",
        "_notice_known",
        "_place",
        "_time_rules",
        "_window",
        "agent",
        "attempts",
        "call",
        "callback",
        "config",
        "ctx",
        "dial",
        "is_service_assurance",
        "lob",
        "lob_policy",
        "now",
        "step",
    )

    def __init__(self, ctx: PolicyContext, config: PolicyConfig) -> None:
        self.ctx = ctx
        self.config = config
        # Compare instants in UTC only: aware datetimes sharing one tzinfo compare by wall time.
        self.now = ctx.now.astimezone(UTC)
        lob = self.lob = ctx.line_of_business
        self.step = ctx.step
        self.lob_policy: LobPolicy = config.for_lob(lob)
        self.is_service_assurance = lob in SERVICE_ASSURANCE
        callback = self.callback = ctx.callback
        self.agent = ctx.agent
        self.call = ctx.call
        self.dial = ctx.dial
        self.attempts: tuple[Attempt, ...] = callback.attempts
        self._place: _Place | None = None
        self._time_rules: TimeRules | None = None
        self._consents: tuple[ConsentWindow, ...] | None = None
        self._window: WindowVerdict | None = None
        self._closed_local: datetime | None = None
        self._next_allowed: datetime | None = None
        self._next_known = False
        self._contact_made: bool | None = None
        self._memo_check: MemoCheck | None = None
        self._notice: Notification | None = None
        self._notice_known = False

    @property
    def number(self) -> str | None:
        """The number the call goes to: the dial target, else the account's first contact point."""
        if self.dial is not None:
            return self.dial.number
        points = self.ctx.customer.contact_points
        return points[0].number if points else None

    def contact_point(self, number: str) -> ContactPoint | None:
        for point in self.ctx.customer.contact_points:
            if point.number == number:
                return point
        return None

    @property
    def place(self) -> _Place:
        place = self._place
        if place is None:
            # _place(self.number, account zone), with the number read in line.
            dial = self.dial
            customer = self.ctx.customer
            if dial is not None:
                number: str | None = dial.number
            else:
                points = customer.contact_points
                number = points[0].number if points else None
            # zones_for(number, zone, confirmed_zones), with the usual no-confirmation case
            # kept to one dict look-up.
            confirmations = customer.confirmed_zones
            confirmed = confirmed_zone_for(confirmations, number) if confirmations else None
            key = (number, customer.zone, confirmed)
            place = _PLACES.get(key)
            if place is None:
                place = _place(number, customer.zone, confirmed)
            self._place = place
        return place

    @property
    def zones(self) -> ZoneResolution:
        return self.place.resolution

    @property
    def effective_zones(self) -> tuple[EffectiveZone, ...]:
        """The resolved zones as a Decision lists them (without consent zones)."""
        return self.place.effective

    @property
    def consents(self) -> tuple[ConsentWindow, ...]:
        """This callback's consents whose zone (for local windows) is known."""
        consents = self._consents
        if consents is None:
            callback = self.callback
            consents = ()
            if callback.consents:
                kept = []
                for consent in callback.consents:
                    if consent.callback_id == callback.callback_id and (
                        consent.zone is None or zone_info(consent.zone) is not None
                    ):
                        kept.append(consent)
                consents = tuple(kept)
            self._consents = consents
        return consents

    @property
    def time_rules(self) -> TimeRules:
        if self._time_rules is None:
            window = _window(self.lob_policy.window_start, self.lob_policy.window_end)
            self._time_rules = _new_tuple(TimeRules, (self.zones.zones, window, self.consents))
        return self._time_rules

    @property
    def window(self) -> WindowVerdict:
        """The time rules' verdict on `now`: the same answer as `time_rules.allows(now)` (OPEN
        exactly when it is True), worked out without building the rules, and telling an unknown
        zone apart. Every window is judged by window.wall_inside."""
        verdict = self._window
        if verdict is None:
            verdict = self._window = self._judge_window()
        return verdict

    def _judge_window(self) -> WindowVerdict:
        now = self.now
        consents = self.consents
        if consents:
            # An active consent replaces the default window: inside any of them will do.
            any_active = False
            for consent in consents:
                if consent_active(consent, now):
                    if consent_contains(consent, now):
                        return _OPEN
                    any_active = True
            if any_active:
                return _CLOSED
        infos = self.place.infos
        if not infos:
            return _ZONE_UNKNOWN
        policy = self.lob_policy
        start = policy.window_start
        end = policy.window_end
        for zone in infos:
            local = now.astimezone(zone)
            if not wall_inside(local.time(), start, end):
                if len(infos) == 1:
                    # Kept for next_allowed, which starts its search from this reading.
                    self._closed_local = local
                return _CLOSED
        return _OPEN

    @property
    def next_allowed(self) -> datetime | None:
        """The earliest instant at or after `now` the time rules allow (None within HORIZON)."""
        if not self._next_known:
            if self.window is _OPEN:
                found: datetime | None = self.now
            else:
                found = None
                local = self._closed_local
                if local is not None and not self.consents:
                    # TimeRules.next_when_closed's first step, without building the rules: the
                    # usual closed case, one zone and no consent.
                    zone_key = self.place.resolution.zones[0]
                    found = next_opening_one_zone(
                        zone_key, self.lob_policy.window_start, self.now, local
                    )
                if found is None:
                    found = self.time_rules.next_when_closed(self.now, local)
            self._next_allowed = found
            self._next_known = True
        return self._next_allowed

    @property
    def next_attempt_at(self) -> datetime | None:
        """OB-ATTEMPTS spacing: when the last attempt went without contact, the earliest instant
        the next may start (its end plus the team's minimum gap); else None."""
        attempts = self.attempts
        if not attempts:
            return None
        last = attempts[-1]
        minutes = self.lob_policy.min_minutes_between_attempts
        if minutes <= 0 or last.result is _CONTACT:
            return None
        return last.finished_at.astimezone(UTC) + timedelta(minutes=minutes)

    @property
    def next_dial_allowed(self) -> datetime | None:
        """`next_allowed`, moved past the attempt spacing when that ends later: the first
        instant inside the window at or after the end of the gap."""
        found = self.next_allowed
        spaced = self.next_attempt_at
        if found is None or spaced is None or spaced <= found:
            return found
        return self.time_rules.next_allowed(spaced)

    @property
    def contact_made(self) -> bool:
        if self._contact_made is None:
            made = False
            for attempt in self.attempts:
                if attempt.result is _CONTACT:
                    made = True
                    break
            self._contact_made = made
        return self._contact_made

    @property
    def memo_check(self) -> MemoCheck | None:
        if self._memo_check is None:
            wrap_up = self.ctx.wrap_up
            if wrap_up is None or wrap_up.memo is None:
                return None
            config = self.config
            self._memo_check = checked_memo(
                wrap_up.memo,
                self.callback.ticket_numbers,
                config.memo_min_chars,
                config.memo_trivial_values,
            )
        return self._memo_check

    @property
    def memo_findings(self) -> MemoFindings:
        """What is wrong with the wrap-up memo (no memo is a finding), as sentences and steps."""
        return memo_findings(self.memo_check)

    @property
    def notice_template(self) -> str:
        """The template that announces this callback (OB-NOTIFY)."""
        callback = self.callback
        return self.config.template_for(callback.reason, callback.origin)

    @property
    def notice_steps(self) -> tuple[RequiredStep, ...]:
        """The step that sends the announcing template; waiting for it when caredesk has
        queued it already (nobody sends it by hand)."""
        if self.callback.notice_queued_for is not None:
            return (RequiredStep(StepKind.AWAIT_TEMPLATE, self.notice_template),)
        return _send_template(self.notice_template)

    @property
    def notice(self) -> Notification | None:
        """The notice with the announcing template (any case), sent by `now` and no longer ago
        than the notice validity, if there is one: the first such in the callback's list."""
        if not self._notice_known:
            found = None
            notifications = self.callback.notifications
            if notifications:
                template = self.notice_template
                wanted = template.casefold()
                now = self.now
                oldest = now - timedelta(minutes=self.config.notice_valid_minutes)
                for notification in notifications:
                    name = notification.template
                    # Equal names casefold equal: the comparison first, casefold if it differs.
                    if oldest <= notification.sent_at <= now and (
                        name == template or name.casefold() == wanted
                    ):
                        found = notification
                        break
            self._notice = found
            self._notice_known = True
        return self._notice
