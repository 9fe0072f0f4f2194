"""OB-NOTIFY's "about to call": the notice goes a lead time before the planned dial, both inside
the calling window, never hours ahead. Swept over times of day and DST edges in several zones
(one-zone and two-zone numbers), and the notice's validity at the dial."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from caredesk.policy import (
    Blocker,
    LocalWindow,
    Notification,
    PolicyConfigError,
    PolicyContext,
    TimeRules,
    parse_policy_config,
    plan_notice,
)

from .cases import NOW, allowed, base, change, refused

WINDOW = LocalWindow(time(9, 0), time(20, 0))
LEAD = timedelta(minutes=10)
# Days around each zone's 2026 offset changes, and an ordinary day.
ZONES: dict[tuple[str, ...], list[date]] = {
    ("America/Denver",): [date(2026, 3, 7), date(2026, 3, 8), date(2026, 11, 1)],
    ("America/New_York", "America/Chicago"): [date(2026, 3, 8), date(2026, 11, 1)],
    ("Europe/London",): [date(2026, 3, 29), date(2026, 10, 25)],
    ("Australia/Sydney",): [date(2026, 4, 5), date(2026, 10, 4)],
    ("Pacific/Honolulu",): [date(2026, 6, 15)],
}
STEP = timedelta(minutes=20)
FINE = timedelta(minutes=5)


@pytest.mark.parametrize("zones", list(ZONES), ids=["+".join(z) for z in ZONES])
def test_the_notice_and_the_dial_are_both_inside_the_window_and_the_notice_comes_first(
    zones: tuple[str, ...],
) -> None:
    rules = TimeRules(zones, WINDOW)
    first_zone = ZoneInfo(zones[0])
    for day in ZONES[zones]:
        start = datetime.combine(day, time(0), tzinfo=first_zone).astimezone(UTC)
        now = start
        while now < start + timedelta(days=1):
            plan = plan_notice(rules.next_allowed, now=now, lead=LEAD)
            assert plan is not None, (zones, now)
            notice_at, dial_at = plan
            assert dial_at - notice_at == LEAD
            assert notice_at >= now
            assert rules.allows(notice_at) and rules.allows(dial_at), (zones, now, plan)
            # Never hours ahead: nothing earlier (to five minutes) would have done.
            earlier = now
            while earlier + FINE <= notice_at:
                assert not (rules.allows(earlier) and rules.allows(earlier + LEAD)), (
                    zones,
                    now,
                    earlier,
                )
                earlier += FINE
            now += STEP


def test_a_notice_too_close_to_the_end_of_the_window_waits_for_the_next_morning() -> None:
    denver = ZoneInfo("America/Denver")
    rules = TimeRules(("America/Denver",), WINDOW)
    late = datetime(2026, 3, 10, 19, 55, tzinfo=denver)
    plan = plan_notice(rules.next_allowed, now=late, lead=LEAD)
    assert plan is not None
    assert plan.notice_at == datetime(2026, 3, 11, 9, 0, tzinfo=denver)
    assert plan.dial_at == datetime(2026, 3, 11, 9, 10, tzinfo=denver)
    evening = datetime(2026, 3, 10, 21, 10, tzinfo=denver)  # the Dropped Call of the issue
    plan = plan_notice(rules.next_allowed, now=evening, lead=LEAD)
    assert plan is not None and plan.notice_at.astimezone(denver).hour == 9


def test_no_plan_when_no_instant_will_do() -> None:
    assert plan_notice(TimeRules((), WINDOW).next_allowed, now=NOW, lead=LEAD) is None
    with pytest.raises(ValueError):
        plan_notice(TimeRules(("UTC",), WINDOW).next_allowed, now=NOW, lead=timedelta(0))


def test_a_notice_older_than_its_validity_no_longer_announces_the_call() -> None:
    def sent(ago: timedelta) -> PolicyContext:
        notices = (Notification("Dropped Call", NOW - ago),)
        return change(base(), **{"callback.notifications": notices})

    allowed(sent(timedelta(minutes=59)), "OB-NOTIFY")
    stale = refused(sent(timedelta(minutes=61)), "OB-NOTIFY")
    assert stale.blocker is Blocker.ACTION
    assert "more than 60 minutes ago" in stale.sentence and "send it again" in stale.sentence
    config = parse_policy_config({"notice": {"valid_minutes": 120}})
    allowed(sent(timedelta(minutes=61)), "OB-NOTIFY", config)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"lead_minutes": 0}, "notice.lead_minutes"),
        ({"lead_minutes": "10"}, "notice.lead_minutes"),
        ({"lead_minutes": 30, "valid_minutes": 20}, "notice.valid_minutes"),
        ({"valid_minutes": 100000}, "notice.valid_minutes"),
        ({"lead": 10}, "notice.lead"),
    ],
)
def test_bad_notice_settings_are_refused_at_start_with_the_key(
    table: dict[str, object], key: str
) -> None:
    with pytest.raises(PolicyConfigError) as refused_config:
        parse_policy_config({"notice": table})
    assert refused_config.value.key == key


def test_the_notice_settings_default_to_ten_and_sixty_minutes() -> None:
    config = parse_policy_config({})
    assert (config.notice_lead_minutes, config.notice_valid_minutes) == (10, 60)
    assert parse_policy_config({"notice": {"lead_minutes": 15}}).notice_lead_minutes == 15
