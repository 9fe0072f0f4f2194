"""The evaluation's caches and shortcuts answer exactly what the plain computation answers."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from caredesk.policy import (
    ConsentChannel,
    ConsentWindow,
    LocalWindow,
    Memo,
    RuleResult,
    Step,
    WrapUp,
    check_memo,
    evaluate,
)
from caredesk.policy import case as case_module
from caredesk.policy import memo as memo_module
from caredesk.policy.case import Case
from caredesk.policy.decision import Blocker, RequiredStep, StepKind, constant, verdict
from caredesk.policy.engine import DEFAULT_CONFIG
from caredesk.policy.window import (
    DAY,
    TimeRules,
    _edge_instants,
    _edges_between,
    consent_active,
    consent_contains,
    next_opening_one_zone,
    next_transition,
)

from .cases import base, change

ZONES = (
    "America/New_York",
    "America/Denver",
    "America/Phoenix",
    "Pacific/Honolulu",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
)
WINDOWS = (
    LocalWindow(time(9), time(20)),
    LocalWindow(time(8, 30), time(21)),
    LocalWindow(time(22), time(6)),
    LocalWindow(time(1, 30), time(2, 30)),  # inside the US change hours
)


def _instants(count: int, seed: int = 5) -> Iterator[datetime]:
    rng = random.Random(seed)
    for _ in range(count):
        if rng.random() < 0.5:
            # Around the US and European changes, where readings are ambiguous or missing.
            year = rng.randint(2024, 2030)
            month = rng.choice((3, 4, 10, 11))
            base_day = datetime(year, month, rng.randint(1, 28), tzinfo=UTC)
            yield base_day + timedelta(seconds=rng.randrange(3 * 86400))
        else:
            yield datetime(2024, 1, 1, tzinfo=UTC) + timedelta(
                seconds=rng.randrange(7 * 365 * 86400), microseconds=rng.randrange(10**6)
            )


# The computations as they were before the caches, kept here as the reference.
def _reference_edges(
    zone_key: str, window: LocalWindow, after: datetime, until: datetime
) -> list[datetime]:
    zone = ZoneInfo(zone_key)
    day = after.astimezone(zone).date() - DAY
    last = until.astimezone(zone).date() + DAY
    found = []
    while day <= last:
        for instant in _edge_instants(zone_key, day, window):
            if after < instant <= until:
                found.append(instant)
        day += DAY
    return found


def _reference_one_zone(zone_key: str, window: LocalWindow, now: datetime) -> datetime | None:
    zone = ZoneInfo(zone_key)
    local = now.astimezone(zone)
    day = local.date()
    if local.time() >= window.start:
        day += DAY
    opening = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
    if opening <= now or next_transition(zone_key, now, opening + DAY) is not None:
        return None
    return opening


def _reference_allows(rules: TimeRules, instant: datetime) -> bool:
    active = tuple(c for c in rules.consents if consent_active(c, instant))
    if active:
        return any(consent_contains(c, instant) for c in active)
    if not rules.zones:
        return False
    return all(
        rules.window.contains(instant.astimezone(ZoneInfo(key)).time()) for key in rules.zones
    )


def test_edges_between_matches_the_day_by_day_walk() -> None:
    rng = random.Random(11)
    for after in _instants(400):
        zone_key = rng.choice(ZONES)
        window = rng.choice(WINDOWS)
        until = after + timedelta(seconds=rng.randrange(2 * 86400))
        spans = [(after, until)]
        # Spans that start or end exactly on an edge: (after, until] keeps one end only.
        edges = _reference_edges(zone_key, window, after - DAY, until + DAY)
        spans += [(edges[0], until), (after, edges[-1]), (edges[0], edges[-1])]
        for low, high in spans:
            got = list(_edges_between(zone_key, window, low, high))
            assert got == sorted(_reference_edges(zone_key, window, low, high))


def test_one_zone_opening_matches_the_direct_computation() -> None:
    rng = random.Random(12)
    for now in _instants(600):
        zone_key = rng.choice(ZONES)
        window = rng.choice(WINDOWS)
        expected = _reference_one_zone(zone_key, window, now)
        assert next_opening_one_zone(zone_key, window.start, now) == expected
        local = now.astimezone(ZoneInfo(zone_key))
        assert next_opening_one_zone(zone_key, window.start, now, local) == expected


def test_allows_matches_the_direct_reading() -> None:
    rng = random.Random(13)
    for now in _instants(400):
        consents = []
        for _ in range(rng.choice((0, 0, 1, 2))):
            given = now - timedelta(hours=rng.randint(-3, 48))
            if rng.random() < 0.5:
                start = now + timedelta(minutes=rng.randint(-180, 180))
                consents.append(
                    ConsentWindow(
                        "CB-1",
                        "customer",
                        given,
                        ConsentChannel.PHONE,
                        start=start,
                        end=start + timedelta(minutes=rng.choice((30, 90))),
                    )
                )
            else:
                consents.append(
                    ConsentWindow(
                        "CB-1",
                        "customer",
                        given,
                        ConsentChannel.EMAIL,
                        local_start=time(rng.randint(0, 23), rng.choice((0, 30))),
                        local_end=time(rng.randint(0, 23), rng.choice((15, 45))),
                        zone=rng.choice(ZONES),
                        expires_at=now + timedelta(hours=rng.randint(-5, 50)),
                    )
                )
        zones = tuple(rng.sample(ZONES, rng.choice((0, 1, 2, 3))))
        rules = TimeRules(zones, rng.choice(WINDOWS), tuple(consents))
        for instant in (now, now + timedelta(minutes=rng.randint(1, 600))):
            assert rules.allows(instant) is _reference_allows(rules, instant)


def test_verdict_builds_what_the_constructor_builds() -> None:
    steps = (RequiredStep(StepKind.SEND_TEMPLATE, "Dropped Call"),)

    def explain(subject: tuple[str, int]) -> tuple[str, dict[str, int]]:
        return f"{subject[0]} seen", {"count": subject[1]}

    fast = verdict("OB-NOTIFY", False, explain, ("template", 2), Blocker.ACTION, steps)
    slow = RuleResult("OB-NOTIFY", False, lambda: explain(("template", 2)), Blocker.ACTION, steps)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert (fast.rule_id, fast.passed, fast.blocker, fast.required_steps) == (
        slow.rule_id,
        slow.passed,
        slow.blocker,
        slow.required_steps,
    )
    assert fast.explanation == slow.explanation == "blocked by OB-NOTIFY: template seen"
    assert fast.facts is fast.facts  # rendered once
    known = verdict("OB-DEVICE", True, constant, ("line gw-1", {"platform_line": True}))
    assert known.sentence == "line gw-1" and dict(known.facts) == {"platform_line": True}


def _wrap_up_case(memo: Memo, tickets: tuple[str, ...] | list[str] = ()) -> Case:
    ctx = change(base(Step.WRAP_UP), **{"wrap_up": WrapUp(memo=memo)})
    callback = dataclasses.replace(ctx.callback, ticket_numbers=tickets)
    return Case(dataclasses.replace(ctx, callback=callback), DEFAULT_CONFIG)


def test_memo_checks_are_shared_between_equal_memos_only() -> None:
    memo = Memo("Dropped call", ("T-1",), "Reset the network; PIN 4821 read out.", "Fixed, thanks")
    twin = Memo("Dropped call", ("T-1",), "Reset the network; PIN 4821 read out.", "Fixed, thanks")
    other = Memo("Dropped call", ("T-1",), "Reset the network settings together.", "Fixed, thanks")
    first = _wrap_up_case(memo, ("T-1", "T-2")).memo_check
    assert first == check_memo(memo, ticket_numbers=("T-1", "T-2"))
    assert _wrap_up_case(twin, ("T-1", "T-2")).memo_check is first
    assert _wrap_up_case(other, ("T-1", "T-2")).memo_check == check_memo(
        other, ticket_numbers=("T-1", "T-2")
    )
    # Another ticket list is another answer, not the one kept for the first.
    assert _wrap_up_case(memo, ("T-1",)).memo_check == check_memo(memo, ticket_numbers=("T-1",))
    # Values that cannot be keyed (a list where a tuple belongs) are checked without the cache.
    listed = _wrap_up_case(memo, ["T-1", "T-3"])
    assert listed.memo_check == check_memo(memo, ticket_numbers=["T-1", "T-3"])


def test_bounded_caches_empty_themselves_and_stay_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(case_module, "_PLACES_KEPT", 3)
    monkeypatch.setattr(memo_module, "_FINDINGS_KEPT", 2)
    case_module._PLACES.clear()
    memo_module._FINDINGS.clear()
    numbers = ("+13035550123", "+12125550123", "+14155550123", "+18085550123", "+19075550123")
    for number in numbers * 2:
        ctx = change(base(), **{"dial.number": number, "customer.contact_points": ()})
        fresh = evaluate(ctx)
        assert len(case_module._PLACES) <= 3
        assert fresh.zones == evaluate(ctx).zones
    for summary in ("n/a", "PIN 1234 given", "ok", "Walked through the reset; it works now."):
        memo = Memo("Dropped call", (), summary, "Fixed, thanks")
        ctx = change(base(Step.WRAP_UP), **{"wrap_up": WrapUp(memo=memo)})
        decision = evaluate(ctx)
        assert len(memo_module._FINDINGS) <= 2
        expected = check_memo(memo)
        result = decision.result_for("OB-MEMO")
        assert result is not None and result.passed is expected.ok
