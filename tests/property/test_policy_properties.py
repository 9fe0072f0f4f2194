"""Properties of the calling window over 2024-2030, every US zone, DST days and consents.

(a) when next_allowed_at is set, the time rules pass there and the instant is inside the window
    in every candidate zone (or inside an active consent);
(b) no instant between now and next_allowed_at passes;
(c) evaluation is deterministic.
The oracle below is written independently of the policy code: plain astimezone checks.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caredesk.policy import (
    Blocker,
    ConsentChannel,
    ConsentWindow,
    ContactPoint,
    ContextError,
    Decision,
    PolicyConfig,
    PolicyContext,
    Step,
    context_from_json,
    decision_to_json,
    evaluate,
    parse_policy_config,
    resolve_zones,
)
from caredesk.policy.window import zone_transitions
from tests.unit.policy.cases import base, change

US_PREFIXES = (
    "America/Indiana/",
    "America/Kentucky/",
    "America/North_Dakota/",
)
US_NAMED = {
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Adak",
    "America/Juneau",
    "America/Sitka",
    "America/Nome",
    "America/Metlakatla",
    "America/Yakutat",
    "America/Boise",
    "America/Detroit",
    "America/Menominee",
    "America/Puerto_Rico",
    "America/St_Thomas",
    "Pacific/Honolulu",
    "Pacific/Guam",
    "Pacific/Saipan",
    "Pacific/Pago_Pago",
}
US_ZONES = sorted(
    zone for zone in available_timezones() if zone in US_NAMED or zone.startswith(US_PREFIXES)
)
FOREIGN_ZONES = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
    "America/Sao_Paulo",
    "America/St_Johns",
    "Africa/Casablanca",
]
# Numbers libphonenumber maps to several zones.
MULTI_ZONE_NUMBERS = [
    "+19075550123",  # Adak, Anchorage
    "+12085550123",  # Boise, Los Angeles
    "+17015550123",  # Denver, North Dakota
    "+447911123456",  # London and the Crown dependencies
    "+61412345678",  # eight Australian zones
    "+79161234567",  # sixteen Russian zones
]
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2031, 1, 1, tzinfo=UTC)


@cache
def _transitions(zone: str) -> tuple[datetime, ...]:
    return tuple(t for year in range(2024, 2031) for t in zone_transitions(zone, year))


@st.composite
def instants(draw: st.DrawFn, zones: tuple[str, ...]) -> datetime:
    """Uniform over 2024-2030, or within a day and a half of one of the zones' DST changes."""
    changes = [t for zone in zones for t in _transitions(zone)]
    near_a_change = draw(st.booleans())
    if changes and near_a_change:
        near = draw(st.sampled_from(changes))
        return near + timedelta(seconds=draw(st.integers(-36 * 3600, 36 * 3600)))
    seconds = draw(st.integers(0, int((END - START).total_seconds()) - 1))
    return START + timedelta(seconds=seconds)


@st.composite
def consents(draw: st.DrawFn, now: datetime) -> ConsentWindow:
    callback_id = draw(st.sampled_from(["CB-1", "CB-1", "CB-2"]))
    given_at = now + timedelta(minutes=draw(st.integers(-5 * 1440, 60)))
    channel = draw(st.sampled_from(list(ConsentChannel)))
    expires = draw(
        st.none() | st.integers(-600, 5 * 1440).map(lambda m: now + timedelta(minutes=m))
    )
    if draw(st.booleans()):
        start = now + timedelta(minutes=draw(st.integers(-300, 3 * 1440)))
        end = start + timedelta(minutes=draw(st.integers(1, 600)))
        return ConsentWindow(
            callback_id, "customer", given_at, channel, start=start, end=end, expires_at=expires
        )
    local_start = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45])))
    local_end = time(draw(st.integers(0, 23)), draw(st.sampled_from([5, 20, 40])))
    zone = draw(st.sampled_from(US_ZONES + FOREIGN_ZONES))
    return ConsentWindow(
        callback_id,
        "customer",
        given_at,
        channel,
        local_start=local_start,
        local_end=local_end,
        zone=zone,
        expires_at=expires,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[PolicyContext, PolicyConfig]:
    ctx = base(Step.DIAL)
    if draw(st.booleans()):
        zone = draw(st.sampled_from(US_ZONES + FOREIGN_ZONES))
        ctx = change(ctx, **{"customer.zone": zone})
        zones: tuple[str, ...] = (zone,)
    else:
        number = draw(st.sampled_from(MULTI_ZONE_NUMBERS))
        ctx = change(
            ctx,
            **{"dial.number": number, "customer.contact_points": (ContactPoint(number),)},
        )
        zones = resolve_zones(number, None).zones
    now = draw(instants(zones))
    ctx = dataclasses.replace(ctx, now=now)
    drawn = draw(st.lists(consents(now), max_size=2))
    ctx = change(ctx, **{"callback.consents": tuple(drawn)})
    # International permission: without it OB-INTL refuses the foreign numbers for good, and the
    # decision then has no next allowed instant for the properties to check.
    defaults: dict[str, object] = {"international_calling": True}
    if draw(st.integers(0, 4)) == 0:
        # Odd windows put their edges inside DST gaps and folds.
        start = draw(st.integers(0, 11 * 60))
        end = draw(st.integers(start + 1, 24 * 60 - 1))
        defaults["window_start"] = f"{start // 60:02d}:{start % 60:02d}"
        defaults["window_end"] = f"{end // 60:02d}:{end % 60:02d}"
    return ctx, parse_policy_config({"defaults": defaults})


def _inside(ctx: PolicyContext, config: PolicyConfig, instant: datetime) -> bool:
    """The oracle: the window in every candidate zone, unless an active consent decides."""
    active = [
        c
        for c in ctx.callback.consents
        if c.callback_id == ctx.callback.callback_id
        and c.given_at <= instant
        and (c.expires_at is None or instant < c.expires_at)
        and (c.end is None or instant < c.end)
    ]
    if active:
        for c in active:
            if c.start is not None and c.end is not None:
                if c.start <= instant < c.end:
                    return True
            else:
                assert c.zone and c.local_start is not None and c.local_end is not None
                wall = instant.astimezone(ZoneInfo(c.zone)).time()
                if c.local_start < c.local_end:
                    if c.local_start <= wall < c.local_end:
                        return True
                elif wall >= c.local_start or wall < c.local_end:
                    return True
        return False
    zones = resolve_zones(ctx.dial.number if ctx.dial else None, ctx.customer.zone).zones
    policy = config.for_lob(ctx.line_of_business)
    return bool(zones) and all(
        policy.window_start <= instant.astimezone(ZoneInfo(z)).time() < policy.window_end
        for z in zones
    )


def _only_time_refuses_for_good(decision: Decision) -> bool:
    """No rule but OB-WINDOW refuses for good: the time rules are what the decision is about."""
    return not any(r.blocker is Blocker.FINAL and r.rule_id != "OB-WINDOW" for r in decision.failed)


def _window_passes(ctx: PolicyContext, config: PolicyConfig, instant: datetime) -> bool:
    result = evaluate(dataclasses.replace(ctx, now=instant), config).result_for("OB-WINDOW")
    assert result is not None
    return result.passed


SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_next_allowed_at_passes_the_time_rules_and_is_inside_the_window(
    scenario: tuple[PolicyContext, PolicyConfig],
) -> None:
    ctx, config = scenario
    decision = evaluate(ctx, config)
    assert _only_time_refuses_for_good(decision), decision.explain()
    window = decision.result_for("OB-WINDOW")
    assert window is not None
    assert window.passed == _inside(ctx, config, ctx.now)
    upcoming = decision.next_allowed_at
    if upcoming is None:
        return
    assert upcoming >= ctx.now
    assert _window_passes(ctx, config, upcoming)
    assert _inside(ctx, config, upcoming)


@SETTINGS
@given(scenarios(), st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=12))
def test_nothing_between_now_and_next_allowed_at_passes(
    scenario: tuple[PolicyContext, PolicyConfig], fractions: list[float]
) -> None:
    ctx, config = scenario
    decision = evaluate(ctx, config)
    assert _only_time_refuses_for_good(decision), decision.explain()
    upcoming = decision.next_allowed_at
    if upcoming is None:
        # No time will do: spot-check the next month.
        probes = [ctx.now + timedelta(days=30 * f) for f in fractions]
        assert not any(_inside(ctx, config, probe) for probe in probes)
        return
    if upcoming == ctx.now:
        return
    gap = upcoming - ctx.now
    # gap * f can round up to gap itself; keep the probes strictly before the answer.
    probes = [probe for f in fractions if (probe := ctx.now + gap * f) < upcoming]
    probes.append(upcoming - timedelta(microseconds=1))
    for probe in probes:
        assert not _inside(ctx, config, probe), probe
        assert not _window_passes(ctx, config, probe), probe


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_evaluation_is_deterministic(scenario: tuple[PolicyContext, PolicyConfig]) -> None:
    ctx, config = scenario
    first, second = evaluate(ctx, config), evaluate(ctx, config)
    assert first == second
    assert decision_to_json(first) == decision_to_json(second)


EXAMPLE = Path(__file__).parents[2] / "config" / "examples" / "policy-case-dial.json"
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(
        ["2026-03-11T02:14:00Z", "19:00", "+13035550123", "America/Denver", "sa_bts", "verify_pin"]
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(document: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_case_document_is_decided_or_refused_with_a_field_path(data: st.DataObject) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)))
        parent: Any = document
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(JSON_VALUES)
    try:
        ctx = context_from_json(document)
    except ContextError as error:
        assert error.path and error.problem
        return
    json.dumps(decision_to_json(evaluate(ctx)))
