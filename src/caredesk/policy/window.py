"""When the time rules let a call start (OB-WINDOW), and the next instant they will.

An instant is inside a local window when the wall-clock time there is in [start, end); a window
whose end is at or before its start runs past midnight. Without an active consent the default
window must hold in every candidate zone. A consent (for this callback, given, not expired)
replaces the default window: the call may start inside any active consent window.

`next_allowed` is exact, not a scan: between two consecutive "boundary" instants nothing the
predicate depends on changes, so it is enough to test the boundaries in order. Boundaries are the
instants where a zone's wall clock reads a window edge (both readings on a fall-back day), the
zones' UTC-offset transitions (a window edge inside a spring-forward gap opens at the transition),
and the consents' own instants. With constant offsets the pattern repeats every 24 hours, so a
day without an opening means none until the next transition: the search jumps there.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from caredesk.policy.context import ConsentWindow
from caredesk.policy.zones import zone_info

DAY = timedelta(days=1)
HORIZON = timedelta(days=400)
"""How far ahead next_allowed looks; past it the answer is "no time will do"."""
_SAMPLE = timedelta(hours=6)


def wall_inside(wall: time, start: time, end: time) -> bool:
    """The one wall-clock window test: `wall` is in [start, end), past midnight when end <= start.

    Every window (the team's default, a consent's local window) is judged by this function.
    """
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


class LocalWindow(NamedTuple):
    start: time
    end: time

    def contains(self, wall: time) -> bool:
        return wall_inside(wall, self.start, self.end)

    @property
    def label(self) -> str:
        start, end = self.start, self.end
        return f"{start.hour:02d}:{start.minute:02d}-{end.hour:02d}:{end.minute:02d}"


def _zone(key: str) -> ZoneInfo:
    zone = zone_info(key)
    if zone is None:
        raise ValueError(f"{key!r} is not an IANA time zone")
    return zone


@lru_cache(maxsize=200_000)
def _edge_instants(zone_key: str, day: date, window: LocalWindow) -> tuple[datetime, ...]:
    """The instants (UTC) on a local day when the wall clock reads either window edge."""
    zone = _zone(zone_key)
    found = set()
    for wall in (window.start, window.end):
        local = datetime.combine(day, wall, tzinfo=zone)
        # Both readings: on a fall-back day the edge happens twice. Inside a gap neither reading
        # is the real edge; the transition instant is, and the search tests transitions too.
        found.add(local.astimezone(UTC))
        found.add(local.replace(fold=1).astimezone(UTC))
    return tuple(sorted(found))


@lru_cache(maxsize=65536)
def _edges_on_days(
    zone_key: str, window: LocalWindow, first: date, last: date
) -> tuple[datetime, ...]:
    """Every edge instant (UTC) of the local days first..last, sorted: one bisect answers a span."""
    found: list[datetime] = []
    day = first
    while day <= last:
        found.extend(_edge_instants(zone_key, day, window))
        day += DAY
    found.sort()
    return tuple(found)


def _edges_between(
    zone_key: str, window: LocalWindow, after: datetime, until: datetime
) -> Sequence[datetime]:
    """The edge instants in (after, until]."""
    zone = _zone(zone_key)
    edges = _edges_on_days(
        zone_key, window, after.astimezone(zone).date() - DAY, until.astimezone(zone).date() + DAY
    )
    return edges[bisect.bisect_right(edges, after) : bisect.bisect_right(edges, until)]


def _first_transition(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    low_s, high_s = int(low.timestamp()), int(high.timestamp())
    before = datetime.fromtimestamp(low_s, zone).utcoffset()
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == before:
            low_s = middle
        else:
            high_s = middle
    return datetime.fromtimestamp(high_s, UTC)


@lru_cache(maxsize=8192)
def zone_transitions(zone_key: str, year: int) -> tuple[datetime, ...]:
    """UTC-offset changes of a zone during a UTC year (to the second).

    Sampled every six hours, then bisected: two changes less than six hours apart would be
    missed, which no zone does.
    """
    zone = _zone(zone_key)
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    found: list[datetime] = []
    previous, previous_offset = start, start.astimezone(zone).utcoffset()
    current = start + _SAMPLE
    while current <= end:
        offset = current.astimezone(zone).utcoffset()
        if offset != previous_offset:
            found.append(_first_transition(zone, previous, current))
        previous, previous_offset = current, offset
        current += _SAMPLE
    return tuple(found)


def next_transition(zone_key: str, after: datetime, limit: datetime) -> datetime | None:
    for year in range(after.year, limit.year + 1):
        transitions = zone_transitions(zone_key, year)
        index = bisect.bisect_right(transitions, after)
        if index < len(transitions):
            found = transitions[index]
            return found if found < limit else None
    return None


def consent_active(consent: ConsentWindow, instant: datetime) -> bool:
    """Given, not expired, and (for an absolute window) not over yet."""
    if consent.given_at > instant:
        return False
    if consent.expires_at is not None and instant >= consent.expires_at:
        return False
    return consent.end is None or instant < consent.end


def consent_contains(consent: ConsentWindow, instant: datetime) -> bool:
    start = consent.start
    if start is not None and consent.end is not None:
        return start <= instant < consent.end
    assert consent.zone is not None and consent.local_start is not None
    assert consent.local_end is not None
    wall = instant.astimezone(_zone(consent.zone)).time()
    return wall_inside(wall, consent.local_start, consent.local_end)


def _consent_boundaries(consent: ConsentWindow) -> tuple[datetime, ...]:
    found = [consent.given_at, consent.start, consent.end, consent.expires_at]
    return tuple(instant.astimezone(UTC) for instant in found if instant is not None)


class TimeRules(NamedTuple):
    """Everything the time rules depend on, apart from the instant."""

    zones: tuple[str, ...]
    window: LocalWindow
    consents: tuple[ConsentWindow, ...] = ()
    """This callback's consents whose zone (for local windows) is known."""

    def active_consents(self, instant: datetime) -> tuple[ConsentWindow, ...]:
        return tuple([c for c in self.consents if consent_active(c, instant)])

    def allows(self, instant: datetime) -> bool:
        if self.consents:
            any_active = False
            for consent in self.consents:
                if consent_active(consent, instant):
                    if consent_contains(consent, instant):
                        return True
                    any_active = True
            if any_active:
                return False
        if not self.zones:
            return False
        start, end = self.window
        for key in self.zones:
            if not wall_inside(instant.astimezone(_zone(key)).time(), start, end):
                return False
        return True

    def next_allowed(self, now: datetime) -> datetime | None:
        """The earliest instant at or after `now` the time rules allow, or None within HORIZON."""
        now = now.astimezone(UTC)
        if self.allows(now):
            return now
        return self.next_when_closed(now)

    def next_when_closed(self, now: datetime, local: datetime | None = None) -> datetime | None:
        """next_allowed for a UTC `now` the time rules do not allow (allows(now) is False), for a
        caller that has judged `now` already.

        `local`, when given, is `now` in the only zone (`now.astimezone` there, already read).
        """
        if not self.consents:
            if not self.zones:
                return None
            if len(self.zones) == 1:
                found = next_opening_one_zone(self.zones[0], self.window.start, now, local)
            else:
                found = _next_opening_from_schedule(self.zones, self.window, now)
            if found is not None:
                return found
        tracks: list[tuple[str, LocalWindow]] = [(key, self.window) for key in self.zones]
        boundaries: set[datetime] = set()
        for consent in self.consents:
            if consent.zone and consent.local_start is not None and consent.local_end is not None:
                tracks.append((consent.zone, LocalWindow(consent.local_start, consent.local_end)))
            boundaries.update(_consent_boundaries(consent))
        zone_keys = sorted({key for key, _ in tracks})
        fixed = sorted(boundaries)
        allows: Callable[[datetime], bool] = self.allows
        limit = now + HORIZON
        current = now
        # While only absolute consents are active, nothing the rules read changes before the next
        # consent boundary (their activity and their spans are those boundaries): every instant
        # the walk would test before it is closed, so the walk may start there.
        index = bisect.bisect_right(fixed, now)
        if index < len(fixed) and fixed[index] < limit:
            active = [consent for consent in self.consents if consent_active(consent, now)]
            if active and all(
                consent.start is not None and consent.end is not None for consent in active
            ):
                boundary = fixed[index]
                if allows(boundary):
                    return boundary
                current = boundary
        while current < limit:
            change = _next_change(current, limit, zone_keys, fixed)
            span_end = current + DAY
            capped = change is not None and change <= span_end
            if change is not None and capped:
                span_end = change
            if len(tracks) == 1:
                # One track's edges come sorted; equal instants would only be asked twice.
                key, track_window = tracks[0]
                edges: Iterable[datetime] = _edges_between(key, track_window, current, span_end)
            else:
                edges = sorted(_span_edges(tracks, current, span_end))
            for instant in edges:
                if allows(instant):
                    return instant
            if capped:
                if allows(span_end):
                    return span_end
                current = span_end
                continue
            # A whole day with constant offsets and consents and no opening: the same day repeats
            # until something changes.
            if change is None:
                return None
            if allows(change):
                return change
            current = change
        return None


def next_opening_one_zone(
    zone_key: str, start: time, now: datetime, local: datetime | None = None
) -> datetime | None:
    """The common case in one step: the next time the wall clock reads the window start.

    Only trusted when no offset change comes before it; None sends the caller to the full search.
    `local` is `now.astimezone(zone)` when the caller has it already.
    """
    if local is None:
        local = now.astimezone(_zone(zone_key))
    day = local.date()
    if local.time() >= start:
        day += DAY
    opening, transitions = _opening_on(zone_key, start, start.fold, day)
    # next_transition(zone_key, now, opening + DAY) is not None: a change in (now, opening + DAY).
    if opening <= now or (transitions and transitions[-1] > now):
        return None
    return opening


@lru_cache(maxsize=65536)
def _opening_on(
    zone_key: str, start: time, fold: int, day: date
) -> tuple[datetime, tuple[datetime, ...]]:
    """When the wall clock of `day` reads `start` (UTC), and the zone's offset changes from two
    UTC days before `day` until a day after that instant: every change that can follow an instant
    whose local date is `day` or the day before. `fold` is a key only: times compare without it.
    """
    opening = datetime.combine(day, start, tzinfo=_zone(zone_key)).astimezone(UTC)
    limit = opening + DAY
    found: list[datetime] = []
    moment = next_transition(zone_key, datetime.combine(day - 2 * DAY, time(0), tzinfo=UTC), limit)
    while moment is not None:
        found.append(moment)
        moment = next_transition(zone_key, moment, limit)
    return opening, tuple(found)


@lru_cache(maxsize=65536)
def _day_schedule(
    zones: tuple[str, ...], window: LocalWindow, day: date
) -> tuple[tuple[datetime, datetime], ...]:
    """The allowed stretches [start, end) of one UTC day for the default window in all zones.

    Computed with the same boundary walk as next_allowed and kept: the same numbers are asked
    about many times a day.
    """
    rules = TimeRules(zones, window)
    begin = datetime.combine(day, time(0), tzinfo=UTC)
    finish = begin + DAY
    boundaries = _span_edges([(key, window) for key in zones], begin, finish)
    for key in zones:
        moment = next_transition(key, begin, finish)
        while moment is not None:
            boundaries.add(moment)
            moment = next_transition(key, moment, finish)
    stretches: list[tuple[datetime, datetime]] = []
    opened = begin if rules.allows(begin) else None
    for moment in sorted(boundaries):
        if moment >= finish:
            break
        inside = rules.allows(moment)
        if inside and opened is None:
            opened = moment
        elif not inside and opened is not None:
            stretches.append((opened, moment))
            opened = None
    if opened is not None:
        stretches.append((opened, finish))
    return tuple(stretches)


def _next_opening_from_schedule(
    zones: tuple[str, ...], window: LocalWindow, now: datetime
) -> datetime | None:
    """The next opening within three UTC days from the cached day schedules, else None."""
    day = now.date()
    for offset in range(3):
        for start, end in _day_schedule(zones, window, day + offset * DAY):
            if end > now:
                return max(start, now)
    return None


def _span_edges(
    tracks: Sequence[tuple[str, LocalWindow]], after: datetime, until: datetime
) -> set[datetime]:
    found: set[datetime] = set()
    for key, window in tracks:
        found.update(_edges_between(key, window, after, until))
    return found


def _next_change(
    after: datetime, limit: datetime, zone_keys: Sequence[str], fixed: Sequence[datetime]
) -> datetime | None:
    """The first zone offset change or consent boundary after `after`, before `limit`."""
    first = None
    for key in zone_keys:
        found = next_transition(key, after, limit)
        if found is not None and (first is None or found < first):
            first = found
    index = bisect.bisect_right(fixed, after)
    if index < len(fixed):
        found = fixed[index]
        if found < limit and (first is None or found < first):
            first = found
    return first


def next_window_start(
    now: datetime,
    zones: Sequence[str],
    window: LocalWindow = LocalWindow(time(9, 0), time(20, 0)),
    consents: Sequence[ConsentWindow] = (),
) -> datetime | None:
    """The earliest instant at or after `now` inside the window in every zone (or a consent)."""
    return TimeRules(tuple(zones), window, tuple(consents)).next_allowed(now)
