"""Facts derived once per evaluation and shared by the rules that need them."""

from __future__ import annotations

from datetime import UTC, datetime, time
from functools import lru_cache

from caredesk.callbacks.policy.config import LobPolicy, PolicyConfig
from caredesk.callbacks.policy.context import Attempt, ConsentWindow, ContactPoint, PolicyContext
from caredesk.callbacks.policy.memo import MemoCheck, check_memo
from caredesk.callbacks.policy.vocabulary import SERVICE_ASSURANCE, AttemptResult
from caredesk.callbacks.policy.window import LocalWindow, TimeRules
from caredesk.callbacks.policy.zones import ZoneResolution, resolve_zones, zone_info

_CONTACT = AttemptResult.CONTACT


@lru_cache(maxsize=64)
def _window(start: time, end: time) -> LocalWindow:
    return LocalWindow(start, end)


def hhmm(moment: datetime | time) -> str:
    # Hand-formatted: strftime costs several times more and this runs on every window check.
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_instant(instant: datetime, zone_key: str | None = None) -> str:
    """ "2025-03-10 09:00 America/Denver" (or UTC when no zone is known)."""
    zone = zone_info(zone_key) if zone_key else None
    local = instant.astimezone(zone if zone is not None else UTC)
    name = zone_key if zone is not None else "UTC"
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {hhmm(local)} {name}"


class Case:
    """One evaluation: the context, the configuration and what follows from them.

    Derived values are computed on first use and kept (plain slots, not cached_property, whose
    lock costs more than most rules).
    """

    __slots__ = (
        "_contact_made",
        "_memo_check",
        "_next_allowed",
        "_next_known",
        "_time_rules",
        "_zones",
        "attempts",
        "config",
        "ctx",
        "is_service_assurance",
        "lob_policy",
        "now",
    )

    def __init__(self, ctx: PolicyContext, config: PolicyConfig) -> None:
        self.ctx = ctx
        self.config = config
        # Compare instants in UTC only: aware datetimes sharing one tzinfo compare by wall time.
        self.now = ctx.now.astimezone(UTC)
        self.lob_policy: LobPolicy = config.for_lob(ctx.line_of_business)
        self.is_service_assurance = ctx.line_of_business in SERVICE_ASSURANCE
        self.attempts: tuple[Attempt, ...] = ctx.callback.attempts
        self._zones: ZoneResolution | None = None
        self._time_rules: TimeRules | None = None
        self._next_allowed: datetime | None = None
        self._next_known = False
        self._contact_made: bool | None = None
        self._memo_check: MemoCheck | None = None

    @property
    def number(self) -> str | None:
        """The number the call goes to: the dial target, else the account's first contact point."""
        if self.ctx.dial is not None:
            return self.ctx.dial.number
        points = self.ctx.customer.contact_points
        return points[0].number if points else None

    def contact_point(self, number: str) -> ContactPoint | None:
        for point in self.ctx.customer.contact_points:
            if point.number == number:
                return point
        return None

    @property
    def zones(self) -> ZoneResolution:
        if self._zones is None:
            self._zones = resolve_zones(self.number, self.ctx.customer.zone)
        return self._zones

    @property
    def time_rules(self) -> TimeRules:
        if self._time_rules is None:
            callback = self.ctx.callback
            consents: tuple[ConsentWindow, ...] = ()
            if callback.consents:
                consents = tuple(
                    consent
                    for consent in callback.consents
                    if consent.callback_id == callback.callback_id
                    and (consent.zone is None or zone_info(consent.zone) is not None)
                )
            window = _window(self.lob_policy.window_start, self.lob_policy.window_end)
            self._time_rules = TimeRules(self.zones.zones, window, consents)
        return self._time_rules

    @property
    def next_allowed(self) -> datetime | None:
        if not self._next_known:
            self._next_allowed = self.time_rules.next_allowed(self.now)
            self._next_known = True
        return self._next_allowed

    @property
    def contact_made(self) -> bool:
        if self._contact_made is None:
            self._contact_made = any(attempt.result is _CONTACT for attempt in self.attempts)
        return self._contact_made

    @property
    def memo_check(self) -> MemoCheck | None:
        if self._memo_check is None:
            wrap_up = self.ctx.wrap_up
            if wrap_up is None or wrap_up.memo is None:
                return None
            self._memo_check = check_memo(
                wrap_up.memo,
                ticket_numbers=self.ctx.callback.ticket_numbers,
                min_chars=self.config.memo_min_chars,
                trivial_values=self.config.memo_trivial_values,
            )
        return self._memo_check
