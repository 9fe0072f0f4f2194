"""Facts derived once per evaluation and shared by the rules that need them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from caredesk.policy.config import LobPolicy, PolicyConfig
from caredesk.policy.context import (
    Attempt,
    ConsentWindow,
    ContactPoint,
    Memo,
    PolicyContext,
)
from caredesk.policy.decision import EffectiveZone
from caredesk.policy.memo import MemoCheck, check_memo
from caredesk.policy.vocabulary import SERVICE_ASSURANCE, AttemptResult
from caredesk.policy.window import LocalWindow, TimeRules, next_opening_one_zone
from caredesk.policy.zones import (
    ZoneResolution,
    confirmed_zone_for,
    resolve_zones,
    zone_info,
)

_CONTACT = AttemptResult.CONTACT


_new_tuple = tuple.__new__


@lru_cache(maxsize=64)
def _window(start: time, end: time) -> LocalWindow:
    return LocalWindow(start, end)


@lru_cache(maxsize=4096, typed=True)
def _checked_memo(
    memo: Memo, ticket_numbers: Sequence[str], min_chars: int, trivial_values: Collection[str]
) -> MemoCheck:
    """check_memo, kept per memo: the secret scan costs more than a decision.

    Keyed on every argument; the result is immutable (tuples of named tuples).
    """
    return check_memo(
        memo, ticket_numbers=ticket_numbers, min_chars=min_chars, trivial_values=trivial_values
    )


def hhmm(moment: datetime | time) -> str:
    # Hand-formatted: strftime costs several times more and this runs on every window check.
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_instant(instant: datetime, zone_key: str | None = None) -> str:
    """ "2025-03-10 09:00 America/Denver" (or UTC when no zone is known)."""
    zone = zone_info(zone_key) if zone_key else None
    local = instant.astimezone(zone if zone is not None else UTC)
    name = zone_key if zone is not None else "UTC"
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {hhmm(local)} {name}"


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

    Derived values are computed on first use and kept (plain slots, not cached_property, whose
    lock costs more than most rules). The parts of the context most rules read are kept as
    attributes too (`callback`, `agent`, `call`, `dial`, `step`, `lob`).
    """

    __slots__ = (
        "_closed_local",
        "_closed_now",
        "_consents",
        "_contact_made",
        "_memo_check",
        "_next_allowed",
        "_next_known",
        "_place",
        "_time_rules",
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
        self._next_allowed: datetime | None = None
        self._next_known = False
        self._closed_now = False
        self._closed_local: datetime | None = None
        self._contact_made: bool | None = None
        self._memo_check: MemoCheck | None = None

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

    def time_verdict(self, allowed: bool, local: datetime | None = None) -> None:
        """Records whether the time rules allow `now` (OB-WINDOW works it out): next_allowed is
        then `now` itself, or is searched for without asking the rules about `now` again.

        `local` is `now` read in the one zone checked, when there is exactly one."""
        if allowed:
            self._next_allowed = self.now
            self._next_known = True
        else:
            self._closed_now = True
            self._closed_local = local

    @property
    def next_allowed(self) -> datetime | None:
        if not self._next_known:
            found = None
            local = self._closed_local
            if local is not None and not self.consents:
                # TimeRules._next_when_closed's first step, without building the rules: the
                # usual closed case, one zone and no consent.
                zone_key = self.place.resolution.zones[0]
                found = next_opening_one_zone(
                    zone_key, self.lob_policy.window_start, self.now, local
                )
            if found is None:
                rules = self.time_rules
                if self._closed_now:
                    found = rules._next_when_closed(self.now, local)
                else:
                    found = rules.next_allowed(self.now)
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
            try:
                self._memo_check = _checked_memo(
                    wrap_up.memo,
                    self.callback.ticket_numbers,
                    config.memo_min_chars,
                    config.memo_trivial_values,
                )
            except TypeError:  # an unhashable value (a list where a tuple belongs): no cache
                self._memo_check = check_memo(
                    wrap_up.memo,
                    ticket_numbers=self.callback.ticket_numbers,
                    min_chars=config.memo_min_chars,
                    trivial_values=config.memo_trivial_values,
                )
        return self._memo_check
