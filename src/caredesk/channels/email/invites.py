"""Calendar invitations for offered callback slots (OB-SA-EMAIL-FIRST welcomes them).

One .ics per slot: an iTIP REQUEST may carry several VEVENTs only when they share one UID, and
each slot is a separate proposal the customer can accept on its own. Every event is TENTATIVE
until the customer picks it; its UID is derived from the callback and the slot number, so a
re-sent invitation updates the same calendar entry instead of adding another."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from caredesk.channels.ports import Attachment

CONTENT_TYPE = "text/calendar; method=REQUEST; charset=UTF-8"
PRODID = "-//caredesk//callbacks//EN"


def slot_uid(callback_id: int, slot_number: int, domain: str) -> str:
    return f"callback-{callback_id}-slot-{slot_number}@{domain}"


def _address(email: str, name: str | None, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def build_invitation(
    *,
    callback_id: int,
    slot_number: int,
    slot_count: int,
    start: datetime,
    end: datetime,
    summary: str,
    purpose: str,
    support_number: str,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    stamp: datetime,
) -> bytes:
    if start.tzinfo is None or end.tzinfo is None or stamp.tzinfo is None:
        raise ValueError("invitation times must be aware")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", slot_uid(callback_id, slot_number, organizer_email.rsplit("@", 1)[-1]))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("sequence", 0)
    event.add("status", "TENTATIVE")
    event.add("transp", "OPAQUE")
    event.add("summary", summary)
    event.add(
        "description",
        f"{purpose}\n\n"
        f"Option {slot_number} of {slot_count} offered for your callback; accept the one that "
        "suits you. Have your account PIN/passcode ready in case a change needs it.\n"
        "If you'd like help right away, or none of the times work for you, call support "
        f"directly at {support_number}.",
    )
    event.add("organizer", _address(organizer_email, organizer_name))
    event.add(
        "attendee",
        _address(
            attendee_email,
            None,
            role="REQ-PARTICIPANT",
            partstat="NEEDS-ACTION",
            rsvp="TRUE",
        ),
    )
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def build_slot_invitations(
    *,
    callback_id: int,
    slots: Sequence[tuple[datetime, datetime]],
    summary: str,
    purpose: str,
    support_number: str,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    stamp: datetime,
) -> tuple[Attachment, ...]:
    """One attachment per slot, numbered as the email numbers them (1, 2, ...)."""
    return tuple(
        Attachment(
            filename=f"callback-{callback_id}-option-{number}.ics",
            content_type=CONTENT_TYPE,
            data=build_invitation(
                callback_id=callback_id,
                slot_number=number,
                slot_count=len(slots),
                start=start,
                end=end,
                summary=summary,
                purpose=purpose,
                support_number=support_number,
                organizer_email=organizer_email,
                organizer_name=organizer_name,
                attendee_email=attendee_email,
                stamp=stamp,
            ),
        )
        for number, (start, end) in enumerate(slots, start=1)
    )
