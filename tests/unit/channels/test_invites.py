"""Calendar invitations for offered slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from caredesk.channels.email.invites import CONTENT_TYPE, build_invitation, build_slot_invitations

STAMP = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def invitations(slots: list[tuple[datetime, datetime]]) -> list[Calendar]:
    attachments = build_slot_invitations(
        callback_id=31,
        slots=slots,
        summary="Callback",
        purpose="Purpose of the call: troubleshooting",
        support_number="1-800-937-8997",
        organizer_email="care@northwind.example",
        organizer_name="Northwind Care",
        attendee_email="ana@example.com",
        stamp=STAMP,
    )
    assert all(item.content_type == CONTENT_TYPE for item in attachments)
    return [Calendar.from_ical(item.data) for item in attachments]


def test_one_tentative_event_per_slot_in_utc() -> None:
    chicago = ZoneInfo("America/Chicago")
    local_start = datetime(2026, 3, 11, 10, 0, tzinfo=chicago)
    slots = [
        (local_start, local_start + timedelta(hours=1)),
        (local_start + timedelta(days=1), local_start + timedelta(days=1, hours=1)),
    ]
    calendars = invitations(slots)
    assert len(calendars) == 2
    for number, (calendar, (start, end)) in enumerate(zip(calendars, slots, strict=True), 1):
        assert str(calendar["method"]) == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert event.decoded("dtstart") == start and event.decoded("dtend") == end
        assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%S}Z" in event.to_ical().decode()
        assert str(event["uid"]) == f"callback-31-slot-{number}@northwind.example"
        assert str(event["status"]) == "TENTATIVE"
        assert f"Option {number} of 2" in str(event["description"])
        assert "1-800-937-8997" in str(event["description"])
        assert str(event["attendee"]) == "mailto:ana@example.com"


def test_rebuilding_gives_the_same_uids() -> None:
    slot = (STAMP + timedelta(days=1), STAMP + timedelta(days=1, hours=1))
    first, second = invitations([slot]), invitations([slot])
    assert first[0].walk("VEVENT")[0]["uid"] == second[0].walk("VEVENT")[0]["uid"]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        build_invitation(
            callback_id=1,
            slot_number=1,
            slot_count=1,
            start=datetime(2026, 3, 11, 10, 0),
            end=datetime(2026, 3, 11, 11, 0),
            summary="s",
            purpose="p",
            support_number="1-800-937-8997",
            organizer_email="care@northwind.example",
            organizer_name="Care",
            attendee_email="ana@example.com",
            stamp=STAMP,
        )
