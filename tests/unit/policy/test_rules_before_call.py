"""Before-the-call rules: window, notice, agent state, device, international dialing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from caredesk.policy import (
    AgentState,
    Blocker,
    CallbackOrigin,
    CallbackReason,
    CallerRole,
    ConsentChannel,
    ConsentWindow,
    ContactPoint,
    EffectiveZone,
    InboundCall,
    LineOfBusiness,
    Notification,
    PolicyContext,
    RequiredStep,
    Step,
    StepKind,
    ZoneSource,
    parse_policy_config,
)
from caredesk.policy.wording import format_instant

from .cases import NOW, allowed, at, base, change, decide, refused, says

DENVER = change(base(), **{"customer.zone": "America/Denver"})


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def test_OB_WINDOW_refuses_2014_local_naming_zone_and_time() -> None:
    ctx = at(DENVER, _utc(2026, 3, 11, 2, 14))
    result = refused(ctx, "OB-WINDOW")
    assert result.explanation.startswith(
        "blocked by OB-WINDOW: 20:14 America/Denver is outside 09:00-20:00"
    )
    assert result.blocker is Blocker.TIME
    assert result.facts["local_time.America/Denver"] == "20:14"
    assert decide(ctx).next_allowed_at == _utc(2026, 3, 11, 15, 0)


def test_OB_WINDOW_refuses_2005_local() -> None:
    result = refused(at(DENVER, _utc(2026, 3, 11, 2, 5)), "OB-WINDOW")
    assert "20:05 America/Denver is outside 09:00-20:00" in result.sentence


def test_OB_WINDOW_refuses_2000_sharp_the_window_is_half_open() -> None:
    refused(at(DENVER, _utc(2026, 3, 11, 2, 0)), "OB-WINDOW")


def test_OB_WINDOW_allows_0900_sharp_and_1959_59() -> None:
    allowed(at(DENVER, _utc(2026, 3, 10, 15, 0)), "OB-WINDOW")
    allowed(at(DENVER, _utc(2026, 3, 11, 1, 59, 59)), "OB-WINDOW")


def test_OB_WINDOW_allows_inside_and_reports_the_account_zone() -> None:
    result = allowed(DENVER, "OB-WINDOW")
    assert result.sentence == "12:00 America/Denver is inside 09:00-20:00"
    assert decide(DENVER).zones == (EffectiveZone("America/Denver", ZoneSource.ACCOUNT_ADDRESS),)


def test_OB_WINDOW_refuses_an_unknown_zone_until_a_person_confirms_it() -> None:
    ctx = change(
        base(),
        **{
            "dial.number": "+18005550199",
            "customer.contact_points": (ContactPoint("+18005550199"),),
        },
    )
    result = refused(ctx, "OB-WINDOW")
    assert "time zone is unknown" in result.sentence and "toll-free" in result.sentence
    decision = decide(ctx)
    assert decision.next_allowed_at is None
    assert RequiredStep(StepKind.CONFIRM_ZONE) in decision.required_steps


def test_OB_WINDOW_refuses_when_one_zone_of_the_number_is_still_closed() -> None:
    # +1 208 rings in Boise (MDT) and Los Angeles (PDT): 09:30 and 08:30.
    number = "+12085550123"
    ctx = change(
        base(),
        now=_utc(2026, 6, 2, 15, 30),
        **{"dial.number": number, "customer.contact_points": (ContactPoint(number),)},
    )
    result = refused(ctx, "OB-WINDOW")
    assert result.sentence.startswith("08:30 America/Los_Angeles is outside 09:00-20:00")
    assert "all 2 zones" in result.sentence
    assert result.facts["local_time.America/Boise"] == "09:30"
    decision = decide(ctx)
    assert decision.next_allowed_at == _utc(2026, 6, 2, 16, 0)
    assert {zone.zone for zone in decision.zones} == {"America/Boise", "America/Los_Angeles"}


def test_OB_WINDOW_allows_by_number_zone_when_the_account_has_none() -> None:
    result = allowed(base(), "OB-WINDOW")
    assert result.facts["zone_source"] == "phone_number"


def test_OB_WINDOW_the_account_zone_outranks_the_number() -> None:
    # 18:00Z is 14:00 in New York but would be 12:00 in Denver; at 00:30Z New York is closed.
    ctx = change(base(), now=_utc(2026, 3, 11, 0, 30), **{"customer.zone": "America/New_York"})
    result = refused(ctx, "OB-WINDOW")
    assert result.sentence.startswith("20:30 America/New_York")


def test_OB_WINDOW_next_opening_crosses_spring_forward() -> None:
    # Saturday 7 March 2026, 20:30 MST; the window opens Sunday 09:00 MDT (15:00Z, not 16:00Z).
    ctx = at(DENVER, _utc(2026, 3, 8, 3, 30))
    assert decide(ctx).next_allowed_at == _utc(2026, 3, 8, 15, 0)


def test_OB_WINDOW_next_opening_crosses_fall_back() -> None:
    # Saturday 31 October 2026, 21:00 MDT; the window opens Sunday 09:00 MST (16:00Z).
    ctx = at(DENVER, _utc(2026, 11, 1, 3, 0))
    assert decide(ctx).next_allowed_at == _utc(2026, 11, 1, 16, 0)


def test_OB_WINDOW_a_start_inside_the_spring_forward_gap_opens_at_the_transition() -> None:
    config = parse_policy_config({"defaults": {"window_start": "02:30"}})
    ny = change(base(), **{"customer.zone": "America/New_York"})
    ctx = at(ny, _utc(2026, 3, 8, 6, 0))  # 01:00 EST; 02:30 never happens that night
    refused(ctx, "OB-WINDOW", config)
    assert decide(ctx, config).next_allowed_at == _utc(2026, 3, 8, 7, 0)  # 03:00 EDT
    allowed(at(ny, _utc(2026, 3, 8, 7, 0)), "OB-WINDOW", config)
    refused(at(ny, _utc(2026, 3, 8, 6, 59, 59)), "OB-WINDOW", config)


def test_OB_WINDOW_a_start_inside_the_fall_back_fold_counts_wall_clock_twice() -> None:
    config = parse_policy_config({"defaults": {"window_start": "01:30"}})
    ny = change(base(), **{"customer.zone": "America/New_York"})
    # 01:00 EDT: opens at the first 01:30 (EDT, 05:30Z).
    assert decide(at(ny, _utc(2026, 11, 1, 5, 0)), config).next_allowed_at == _utc(
        2026, 11, 1, 5, 30
    )
    # 01:10 EST, after the clocks went back: the wall clock is before 01:30 again.
    ctx = at(ny, _utc(2026, 11, 1, 6, 10))
    result = refused(ctx, "OB-WINDOW", config)
    assert result.sentence.startswith("01:10 America/New_York is outside 01:30-20:00")
    assert decide(ctx, config).next_allowed_at == _utc(2026, 11, 1, 6, 30)


def _consent(**fields: object) -> ConsentWindow:
    values: dict[str, object] = {
        "callback_id": "CB-1",
        "given_by": "account holder",
        "given_at": NOW - timedelta(days=1),
        "channel": ConsentChannel.PHONE,
    }
    values.update(fields)
    return ConsentWindow(**values)  # type: ignore[arg-type]


def test_OB_WINDOW_allows_outside_hours_inside_a_consent_for_this_callback() -> None:
    late = _utc(2026, 3, 11, 3, 30)  # 21:30 in Denver
    consent = _consent(start=late - timedelta(minutes=30), end=late + timedelta(minutes=30))
    ctx = change(at(DENVER, late), **{"callback.consents": (consent,)})
    result = allowed(ctx, "OB-WINDOW")
    assert "agreed to" in result.sentence and "by phone" in result.sentence


def test_OB_WINDOW_refuses_with_a_consent_for_another_callback() -> None:
    late = _utc(2026, 3, 11, 3, 30)
    other = _consent(
        callback_id="CB-2", start=late - timedelta(minutes=30), end=late + timedelta(hours=1)
    )
    refused(change(at(DENVER, late), **{"callback.consents": (other,)}), "OB-WINDOW")


def test_OB_WINDOW_refuses_with_an_expired_consent() -> None:
    late = _utc(2026, 3, 11, 3, 30)
    consent = _consent(
        local_start=time(19, 0),
        local_end=time(23, 0),
        zone="America/Denver",
        expires_at=late - timedelta(minutes=1),
    )
    refused(change(at(DENVER, late), **{"callback.consents": (consent,)}), "OB-WINDOW")


def test_OB_WINDOW_allows_inside_a_daily_local_consent() -> None:
    consent = _consent(local_start=time(19, 0), local_end=time(23, 0), zone="America/Denver")
    ctx = change(at(DENVER, _utc(2026, 3, 11, 3, 30)), **{"callback.consents": (consent,)})
    allowed(ctx, "OB-WINDOW")
    zones = decide(ctx).zones
    assert EffectiveZone("America/Denver", ZoneSource.CONSENT) in zones


def test_OB_WINDOW_refuses_daytime_when_the_consent_narrows_to_tomorrow() -> None:
    start = NOW + timedelta(days=1)
    consent = _consent(start=start, end=start + timedelta(hours=1))
    ctx = change(DENVER, **{"callback.consents": (consent,)})
    result = refused(ctx, "OB-WINDOW")
    assert "outside the window the customer agreed to" in result.sentence
    assert decide(ctx).next_allowed_at == start


def test_OB_NOTIFY_says_when_a_queued_notice_goes() -> None:
    """A notice caredesk has queued for the morning is not one to send by hand: the sentence
    says when it goes, and the call waits for it."""
    morning = NOW + timedelta(hours=9)
    ctx = change(base(), **{"callback.notifications": (), "callback.notice_queued_for": morning})
    result = refused(ctx, "OB-NOTIFY")
    assert result.sentence == (
        # In the customer's zone, as OB-WINDOW gives its times.
        f'the "Dropped Call" template is queued to go {format_instant(morning, "America/Denver")}, '
        "shortly before the call; the call waits for it"
    )
    assert result.facts["queued_for"] == morning.isoformat()
    [step] = decide(ctx).required_steps
    assert step == RequiredStep(StepKind.AWAIT_TEMPLATE, "Dropped Call")
    assert step.label == (
        'Wait for the "Dropped Call" template: it is queued to go shortly before the call'
    )
    due = change(base(), **{"callback.notifications": (), "callback.notice_queued_for": NOW})
    assert refused(due, "OB-NOTIFY").sentence == (
        'the "Dropped Call" template is queued to go now; the call waits for it'
    )


def test_a_queued_notice_time_must_carry_its_offset() -> None:
    with pytest.raises(ValueError, match="notice_queued_for"):
        change(base(), **{"callback.notice_queued_for": datetime(2026, 3, 10, 9, 0)})


def test_OB_NOTIFY_refuses_before_the_dropped_call_template_is_sent() -> None:
    ctx = change(base(), **{"callback.notifications": ()})
    result = refused(ctx, "OB-NOTIFY")
    assert result.sentence == 'the "Dropped Call" template has not been sent yet'
    step = RequiredStep(StepKind.SEND_TEMPLATE, "Dropped Call")
    assert step.label == 'Send the "Dropped Call" template first'
    decision = decide(ctx)
    assert decision.required_steps == (step,)
    assert decision.next_allowed_at == NOW  # a required step, not a time, stands in the way


def test_OB_NOTIFY_refuses_the_wrong_template() -> None:
    sent = (Notification("Customer Callback", NOW - timedelta(minutes=2)),)
    result = refused(change(base(), **{"callback.notifications": sent}), "OB-NOTIFY")
    assert "(only 'Customer Callback')" in result.sentence


def test_OB_NOTIFY_refuses_a_notification_recorded_after_now() -> None:
    sent = (Notification("Dropped Call", NOW + timedelta(minutes=1)),)
    refused(change(base(), **{"callback.notifications": sent}), "OB-NOTIFY")


def test_OB_NOTIFY_allows_a_leader_ticket_call_after_customer_callback() -> None:
    ctx = change(
        base(role=CallerRole.LEADER),
        **{
            "callback.origin": CallbackOrigin.LEADER_TICKET_FOLLOW_UP,
            "callback.reason": CallbackReason.TICKET_UPDATE,
            "callback.notifications": (Notification("Customer Callback", NOW),),
        },
    )
    allowed(ctx, "OB-NOTIFY")


def test_OB_STATE_refuses_dialing_from_ready() -> None:
    ctx = change(base(), **{"agent.state": AgentState.READY})
    result = refused(ctx, "OB-STATE")
    assert result.sentence == "agent agent-1 is in Ready, not Not Ready - Follow-Up"
    assert decide(ctx).required_steps[0].label == "Switch to Not Ready - Follow-Up"


def test_OB_STATE_allows_a_call_tied_to_an_active_inbound_call() -> None:
    tie = InboundCall("42", "agent-1")
    ctx = change(base(), **{"agent.state": AgentState.TALKING, "agent.inbound_call": tie})
    result = allowed(ctx, "OB-STATE")
    assert result.sentence == (
        "the call is tied to inbound call 42, live with agent agent-1 in Talking (Consult)"
    )
    assert result.facts["inbound_call_id"] == "42"


def test_OB_STATE_allows_the_alternate_number_from_after_call_work() -> None:
    ctx = change(
        base(),
        **{"agent.state": AgentState.AFTER_CALL_WORK, "dial.alternate_for_troubleshooting": True},
    )
    result = allowed(ctx, "OB-STATE")
    assert result.sentence == "agent agent-1 calls the alternate number from After-Call Work"


def test_OB_STATE_refuses_after_call_work_for_anything_but_the_alternate_number() -> None:
    acw = change(base(), **{"agent.state": AgentState.AFTER_CALL_WORK})
    result = refused(acw, "OB-STATE")
    assert result.sentence == "agent agent-1 is in After-Call Work, not Not Ready - Follow-Up"
    assert result.blocker is Blocker.ACTION
    assert decide(acw).required_steps[0].kind is StepKind.SWITCH_TO_FOLLOW_UP_STATE
    # The alternate number is After-Call Work's only exception: from Ready it is still refused.
    ready = change(
        base(), **{"agent.state": AgentState.READY, "dial.alternate_for_troubleshooting": True}
    )
    refused(ready, "OB-STATE")
    # Not Ready - Follow-Up needs no exception.
    allowed(change(base(), **{"agent.state": AgentState.NOT_READY_FOLLOW_UP}), "OB-STATE")


def test_OB_DEVICE_refuses_a_personal_line() -> None:
    ctx = change(base(), **{"dial.platform_line": False, "dial.originating_line": "cell-555"})
    result = refused(ctx, "OB-DEVICE")
    assert "cell-555 is not a platform line" in result.sentence


def test_OB_DEVICE_allows_the_platform_gateway() -> None:
    allowed(base(), "OB-DEVICE")


def _abroad(lob: LineOfBusiness, number: str) -> PolicyContext:
    return change(
        base(lob=lob),
        **{
            "dial.number": number,
            "customer.contact_points": (ContactPoint(number),),
            "customer.zone": "Europe/London",
        },
    )


def test_OB_INTL_refuses_an_international_number_without_permission() -> None:
    result = refused(_abroad(LineOfBusiness.CARE, "+447911123456"), "OB-INTL")
    assert "care has no international calling permission" in result.sentence
    assert result.blocker is Blocker.FINAL


def test_OB_INTL_refuses_canada_for_a_team_without_permission() -> None:
    refused(_abroad(LineOfBusiness.CARE, "+14165550123"), "OB-INTL")


def test_OB_INTL_allows_global_care_with_the_011_dial_string() -> None:
    result = allowed(_abroad(LineOfBusiness.GLOBAL_CARE, "+447911123456"), "OB-INTL")
    assert result.facts["dial_string"] == "011447911123456"


def test_OB_INTL_allows_a_domestic_number_as_ten_digits() -> None:
    result = allowed(base(), "OB-INTL")
    assert result.sentence == "domestic number (US), dial 3035550123"


def test_OB_WINDOW_says_which_consent_holds_who_agreed_and_who_entered_it() -> None:
    late = _utc(2026, 3, 11, 3, 30)  # 21:30 in Denver
    span = _consent(
        start=late - timedelta(minutes=30),
        end=late + timedelta(minutes=30),
        entered_by="agent agent-1",
    )
    inside = allowed(change(at(DENVER, late), **{"callback.consents": (span,)}), "OB-WINDOW")
    assert inside.sentence == (
        "2026-03-10 21:30 America/Denver is inside the window the customer agreed to "
        "(2026-03-11 03:00 UTC to 2026-03-11 04:00 UTC, agreed by account holder by phone at "
        "2026-03-09 18:00 UTC, entered by agent agent-1)"
    )
    assert dict(inside.facts) == {"consents": 1, "zones": "America/Denver"}
    # Entered by the one who agreed: said once.
    daily = _consent(
        local_start=time(19, 0),
        local_end=time(23, 0),
        zone="America/Denver",
        entered_by="account holder",
    )
    local = allowed(change(at(DENVER, late), **{"callback.consents": (daily,)}), "OB-WINDOW")
    assert local.sentence == (
        "2026-03-10 21:30 America/Denver is inside the window the customer agreed to "
        "(19:00-23:00 America/Denver, agreed by account holder by phone at 2026-03-09 18:00 UTC)"
    )


def test_OB_WINDOW_outside_a_consent_says_when_it_opens() -> None:
    start = NOW + timedelta(days=1)
    consent = _consent(start=start, end=start + timedelta(hours=1))
    result = refused(change(DENVER, **{"callback.consents": (consent,)}), "OB-WINDOW")
    assert result.blocker is Blocker.TIME
    assert result.sentence == (
        "2026-03-10 12:00 America/Denver is outside the window the customer agreed to "
        "(2026-03-11 18:00 UTC to 2026-03-11 19:00 UTC, agreed by account holder by phone at "
        "2026-03-09 18:00 UTC); it opens 2026-03-11 12:00 America/Denver"
    )
    assert dict(result.facts) == {
        "consents": 1,
        "zones": "America/Denver",
        "next_allowed_at": "2026-03-11T18:00:00+00:00",
    }


_TEMPLATE = RequiredStep(StepKind.SEND_TEMPLATE, "Dropped Call")
_LONDON = "+442079460958"
_OTTAWA = "+16135550123"
_NO_PERMISSION = "has no international calling permission; ask local leadership"


def _intl(
    number: str, region: str | None, digits: str, abroad: bool, allowed: bool
) -> dict[str, object]:
    return {
        "number": number,
        "region": region,
        "dial_string": digits,
        "international": abroad,
        "permission": allowed,
    }


@pytest.mark.parametrize(
    ("ctx", "rule_id", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            base(),
            "OB-NOTIFY",
            None,
            'the "Dropped Call" template was sent 2026-03-10 11:57 America/Denver',
            [],
            {"template": "Dropped Call", "sent_at": "2026-03-10T17:57:00+00:00"},
            id="notice-sent",
        ),
        pytest.param(
            change(
                base(),
                **{
                    "callback.notifications": (
                        Notification("Dropped Call", NOW - timedelta(minutes=90)),
                    )
                },
            ),
            "OB-NOTIFY",
            Blocker.ACTION,
            'the "Dropped Call" template was sent 2026-03-10 10:30 America/Denver, more than 60 '
            "minutes ago: it no longer announces this call; send it again",
            [_TEMPLATE],
            {"template": "Dropped Call", "sent_at": "2026-03-10T16:30:00+00:00"},
            id="notice-too-old",
        ),
        pytest.param(
            change(
                base(),
                **{
                    "callback.notifications": (
                        Notification("Customer Callback", NOW - timedelta(minutes=5)),
                        Notification("Promo", NOW - timedelta(minutes=3)),
                    )
                },
            ),
            "OB-NOTIFY",
            Blocker.ACTION,
            "the \"Dropped Call\" template has not been sent yet (only 'Customer Callback', "
            "'Promo')",
            [_TEMPLATE],
            {"template": "Dropped Call"},
            id="other-templates-only",
        ),
        pytest.param(
            change(
                base(),
                **{
                    "callback.notifications": (
                        Notification("Dropped Call", NOW + timedelta(minutes=3)),
                    )
                },
            ),
            "OB-NOTIFY",
            Blocker.ACTION,
            'the "Dropped Call" template has not been sent yet',
            [_TEMPLATE],
            {"template": "Dropped Call"},
            id="notice-not-sent-by-now",
        ),
        pytest.param(
            base(),
            "OB-DEVICE",
            None,
            "line gw-7 belongs to the platform voice gateway",
            [],
            {"originating_line": "gw-7", "platform_line": True},
            id="platform-line",
        ),
        pytest.param(
            change(base(), **{"dial.originating_line": ""}),
            "OB-DEVICE",
            None,
            "the call goes out on a line of the platform voice gateway",
            [],
            {"originating_line": None, "platform_line": True},
            id="platform-line-not-chosen-yet",
        ),
        pytest.param(
            change(base(), **{"dial.platform_line": False}),
            "OB-DEVICE",
            Blocker.ACTION,
            "line gw-7 is not a platform line; personal devices are never used",
            [RequiredStep(StepKind.USE_PLATFORM_LINE)],
            {"originating_line": "gw-7", "platform_line": False},
            id="personal-device",
        ),
        pytest.param(
            change(base(), **{"dial.platform_line": False, "dial.originating_line": ""}),
            "OB-DEVICE",
            Blocker.ACTION,
            "the calling line is not known, so it is not shown to be a platform line; personal "
            "devices are never used",
            [RequiredStep(StepKind.USE_PLATFORM_LINE)],
            {"originating_line": None, "platform_line": False},
            id="unknown-line",
        ),
        pytest.param(
            base(),
            "OB-INTL",
            None,
            "domestic number (US), dial 3035550123",
            [],
            _intl("+13035550123", "US", "3035550123", False, False),
            id="domestic",
        ),
        pytest.param(
            change(base(), **{"dial.number": _LONDON}),
            "OB-INTL",
            Blocker.FINAL,
            f"{_LONDON} is international (GB) and care {_NO_PERMISSION}",
            [],
            _intl(_LONDON, "GB", "011442079460958", True, False),
            id="abroad-without-permission",
        ),
        pytest.param(
            change(base(lob=LineOfBusiness.GLOBAL_CARE), **{"dial.number": _LONDON}),
            "OB-INTL",
            None,
            "international number (GB), global_care may dial 011442079460958",
            [],
            _intl(_LONDON, "GB", "011442079460958", True, True),
            id="abroad-with-permission",
        ),
        pytest.param(
            # Canada shares the North American plan: dialled without 011, still abroad.
            change(base(), **{"dial.number": _OTTAWA}),
            "OB-INTL",
            Blocker.FINAL,
            f"{_OTTAWA} is international (CA) and care {_NO_PERMISSION}",
            [],
            _intl(_OTTAWA, "CA", "6135550123", True, False),
            id="canada",
        ),
        pytest.param(
            change(base(), **{"dial.number": "+19995550123"}),
            "OB-INTL",
            Blocker.FINAL,
            "+19995550123 cannot be dialled",
            [],
            {"number": "+19995550123", "region": None},
            id="not-a-number",
        ),
    ],
)
def test_what_notice_device_and_international_rules_tell_the_agent(
    ctx: PolicyContext,
    rule_id: str,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    says(ctx, rule_id, blocker, sentence, steps, facts)


_SPLIT = "+12085550123"  # rings in Boise and Los Angeles
_BOTH = " (it must hold in all 2 zones of +12085550123)"


def _split_at(hour: int, day: int = 2) -> PolicyContext:
    return change(
        base(),
        now=_utc(2026, 6, day, hour, 30),
        **{"dial.number": _SPLIT, "customer.contact_points": (ContactPoint(_SPLIT),)},
    )


def _split_facts(boise: str, los_angeles: str, **more: object) -> dict[str, object]:
    return {
        "zones": "America/Boise, America/Los_Angeles",
        "zone_source": ZoneSource.PHONE_NUMBER,
        "window": "09:00-20:00",
        "local_time.America/Boise": boise,
        "local_time.America/Los_Angeles": los_angeles,
        **more,
    }


_DENVER_FACTS = {
    "zones": "America/Denver",
    "zone_source": ZoneSource.ACCOUNT_ADDRESS,
    "window": "09:00-20:00",
}


@pytest.mark.parametrize(
    ("ctx", "blocker", "sentence", "facts"),
    [
        pytest.param(
            DENVER,
            None,
            "12:00 America/Denver is inside 09:00-20:00",
            {**_DENVER_FACTS, "local_time.America/Denver": "12:00"},
            id="one-zone-inside",
        ),
        pytest.param(
            at(DENVER, _utc(2026, 3, 11, 3, 30)),
            Blocker.TIME,
            "21:30 America/Denver is outside 09:00-20:00; it opens 2026-03-11 09:00 America/Denver",
            {
                **_DENVER_FACTS,
                "local_time.America/Denver": "21:30",
                "next_allowed_at": "2026-03-11T15:00:00+00:00",
            },
            id="one-zone-outside",
        ),
        pytest.param(
            _split_at(17),
            None,
            f"11:30 America/Boise, 10:30 America/Los_Angeles are inside 09:00-20:00{_BOTH}",
            _split_facts("11:30", "10:30"),
            id="two-zones-inside",
        ),
        pytest.param(
            _split_at(15),
            Blocker.TIME,
            f"08:30 America/Los_Angeles is outside 09:00-20:00{_BOTH}; it opens 2026-06-02 09:00 "
            "America/Los_Angeles",
            _split_facts("09:30", "08:30", next_allowed_at="2026-06-02T16:00:00+00:00"),
            id="one-of-two-zones-outside",
        ),
        pytest.param(
            _split_at(3, day=3),
            Blocker.TIME,
            f"21:30 America/Boise, 20:30 America/Los_Angeles are outside 09:00-20:00{_BOTH}; it "
            "opens 2026-06-03 10:00 America/Boise",
            _split_facts("21:30", "20:30", next_allowed_at="2026-06-03T16:00:00+00:00"),
            id="both-zones-outside",
        ),
        pytest.param(
            change(base(), **{"customer.zone": None, "dial.number": "+18005550123"}),
            Blocker.ACTION,
            "the customer's time zone is unknown (+18005550123 is a toll-free number, which names "
            "no place); confirm it",
            {
                "zones": None,
                "zone_source": None,
                "window": "09:00-20:00",
                "zone_problem": "+18005550123 is a toll-free number, which names no place",
            },
            id="zone-unknown",
        ),
    ],
)
def test_what_OB_WINDOW_tells_the_agent_in_one_or_several_zones(
    ctx: PolicyContext, blocker: Blocker | None, sentence: str, facts: dict[str, object]
) -> None:
    says(ctx, "OB-WINDOW", blocker, sentence, None, facts)


def test_a_plan_with_no_number_yet_judges_the_window_on_the_first_contact_point() -> None:
    ctx = change(
        base(Step.PLAN),
        dial=None,
        now=_utc(2026, 6, 2, 17, 30),
        **{"customer.contact_points": (ContactPoint(_SPLIT), ContactPoint("+13035550123"))},
    )
    result = allowed(ctx, "OB-WINDOW")
    assert result.sentence == (
        f"11:30 America/Boise, 10:30 America/Los_Angeles are inside 09:00-20:00{_BOTH}"
    )


@pytest.mark.parametrize(
    ("sent", "fresh"),
    [
        (NOW - timedelta(minutes=60), True),  # exactly as old as a notice may be
        (NOW - timedelta(minutes=60, seconds=1), False),
        (NOW, True),
    ],
)
def test_a_notice_counts_for_an_hour_whatever_the_case_of_its_template_name(
    sent: datetime, fresh: bool
) -> None:
    ctx = change(base(), **{"callback.notifications": (Notification("dropped CALL", sent),)})
    result = (allowed if fresh else refused)(ctx, "OB-NOTIFY")
    assert result.sentence.startswith('the "Dropped Call" template was sent ')
    assert ("more than 60 minutes ago" in result.sentence) is not fresh
