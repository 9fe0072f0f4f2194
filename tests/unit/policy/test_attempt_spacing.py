"""OB-ATTEMPTS spacing: after an attempt without contact the next one waits the team's minimum
gap (policy file, default 15 minutes); the decision's next allowed instant is the first instant
inside the calling window at or after the end of the gap, in any zone and across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from caredesk.policy import (
    Attempt,
    AttemptResult,
    Blocker,
    ContactPoint,
    Customer,
    LineOfBusiness,
    Notification,
    PolicyConfigError,
    PolicyContext,
    Step,
    evaluate,
    parse_policy_config,
)

from .cases import NOW, NUMBER, allowed, base, change, decide, refused

NO_ANSWER = AttemptResult.NO_ANSWER
GAP = timedelta(minutes=15)


def _after(ended: datetime, result: AttemptResult = NO_ANSWER, **changes: object) -> PolicyContext:
    attempt = Attempt(ended - timedelta(seconds=40), NUMBER, result, ended)
    return change(base(), **{"callback.attempts": (attempt,), **changes})


@pytest.mark.parametrize("step", [Step.PLAN, Step.DIAL])
def test_a_dial_right_after_an_unanswered_attempt_waits_the_gap(step: Step) -> None:
    ctx = change(_after(NOW - timedelta(minutes=1)), step=step)
    result = refused(ctx, "OB-ATTEMPTS")
    assert result.blocker is Blocker.TIME
    assert "attempts are at least 15 minutes apart" in result.sentence
    assert result.facts["next_allowed_at"] == (NOW + timedelta(minutes=14)).isoformat()
    decision = decide(ctx)
    assert decision.next_allowed_at == NOW + timedelta(minutes=14)
    # Waiting is enough: the same case at that instant is allowed.
    later = change(ctx, now=decision.next_allowed_at)
    assert decide(later).allowed


@pytest.mark.parametrize("result", [NO_ANSWER, AttemptResult.BUSY, AttemptResult.VOICEMAIL])
def test_every_attempt_without_contact_is_spaced(result: AttemptResult) -> None:
    refused(_after(NOW - timedelta(minutes=5), result), "OB-ATTEMPTS")


def test_the_gap_counts_from_the_end_of_the_attempt_and_passes_at_its_end() -> None:
    allowed(_after(NOW - GAP), "OB-ATTEMPTS")
    refused(_after(NOW - GAP + timedelta(seconds=1)), "OB-ATTEMPTS")


def test_after_contact_no_gap_applies() -> None:
    allowed(_after(NOW - timedelta(minutes=1), AttemptResult.CONTACT), "OB-ATTEMPTS")


def test_the_gap_is_configurable_per_team_and_zero_turns_it_off() -> None:
    ctx = _after(NOW - timedelta(minutes=20))
    longer = parse_policy_config({"defaults": {"min_minutes_between_attempts": 30}})
    assert decide(ctx, longer).next_allowed_at == NOW + timedelta(minutes=10)
    off = parse_policy_config({"lob": {"care": {"min_minutes_between_attempts": 0}}})
    allowed(_after(NOW), "OB-ATTEMPTS", off)


def test_global_care_is_spaced_under_its_own_rule() -> None:
    attempts = (
        Attempt(NOW - timedelta(hours=1), NUMBER, AttemptResult.CONTACT),
        Attempt(NOW - timedelta(minutes=3), NUMBER, NO_ANSWER, NOW - timedelta(minutes=2)),
    )
    ctx = change(base(lob=LineOfBusiness.GLOBAL_CARE), **{"callback.attempts": attempts})
    assert refused(ctx, "OB-ATTEMPTS-GLOBAL").blocker is Blocker.TIME


@pytest.mark.parametrize(
    "value", [-1, 10081, "15", 1.5, True], ids=["negative", "huge", "text", "float", "bool"]
)
def test_a_bad_gap_is_refused_at_start_with_its_key(value: object) -> None:
    with pytest.raises(PolicyConfigError) as refused_config:
        parse_policy_config({"lob": {"sa_ats": {"min_minutes_between_attempts": value}}})
    assert refused_config.value.key == "lob.sa_ats.min_minutes_between_attempts"
    assert refused_config.value.problem == "must be an integer from 0 to 10080"


ZONES = ["America/Denver", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu"]
# Local wall times the last attempt ended at, on days around the 2026 DST changes.
DAYS = [datetime(2026, 3, 7), datetime(2026, 3, 8), datetime(2026, 10, 31), datetime(2026, 11, 1)]
HOURS = [(8, 50), (9, 0), (12, 0), (19, 40), (19, 50), (19, 59)]


@pytest.mark.parametrize("zone", ZONES)
def test_next_allowed_is_the_first_window_instant_after_the_gap(zone: str) -> None:
    """Swept over times of day and DST edges: the next allowed instant is never inside the
    gap, always inside 09:00-20:00 local, and nothing earlier after the gap is."""
    tz = ZoneInfo(zone)
    for day in DAYS:
        for hour, minute in HOURS:
            ended = day.replace(hour=hour, minute=minute, tzinfo=tz).astimezone(UTC)
            now = ended + timedelta(minutes=1)
            ctx = change(
                _after(ended),
                now=now,
                **{"callback.notifications": (Notification("Dropped Call", ended),)},
                customer=Customer("ACC-1", zone=zone, contact_points=(ContactPoint(NUMBER),)),
            )
            found = evaluate(ctx).next_allowed_at
            assert found is not None
            assert found >= ended + GAP, (zone, day, hour, minute)
            local = found.astimezone(tz)
            assert 9 <= local.hour < 20, (zone, day, hour, minute, local)
            if ended + GAP == found:
                continue
            # Later than the gap's end only because the window was closed then, to the minute.
            gap_end_local = (ended + GAP).astimezone(tz)
            assert not 9 <= gap_end_local.hour < 20, (zone, day, hour, minute)
            assert local.hour == 9 and local.minute == 0
            # (a notice from the evening before is sent again by then)
            renewed = (Notification("Dropped Call", found),)
            assert evaluate(change(ctx, now=found, **{"callback.notifications": renewed})).allowed
