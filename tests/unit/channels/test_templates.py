"""Message templates: handbook names, local times with zone abbreviations, nothing secret."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from caredesk.channels.templates import TEMPLATES, MessageBrand
from caredesk.channels.templates.render import render
from caredesk.errors import ValidationFailed

AT = datetime(2026, 3, 11, 18, 15, tzinfo=UTC)


def notice(**changes: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "customer_first_name": "Ana",
        "zone": "America/New_York",
        "from_number": "+12065550100",
        "callback_at": AT,
    }
    context.update(changes)
    return context


def scheduling(**changes: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "customer_first_name": "Ana",
        "zone": "America/Los_Angeles",
        "purpose": "a ticket update",
        "ticket_number": "TK-5",
        "from_number": "+12065550100",
        "slots": [{"start": AT, "end": AT + timedelta(hours=1)}],
    }
    context.update(changes)
    return context


def test_display_names_match_the_handbook() -> None:
    assert TEMPLATES["customer_callback"].display_name == "Customer Callback"
    assert TEMPLATES["dropped_call"].display_name == "Dropped Call"
    assert set(TEMPLATES) == {"customer_callback", "dropped_call", "sa_scheduling_email"}


def test_dropped_call_says_who_calls_from_where_and_when() -> None:
    rendered = render("dropped_call", notice())
    assert "sorry our call dropped" in rendered.text
    assert "(206) 555-0100" in rendered.text
    assert "around 2:15 PM EDT" in rendered.text
    assert "1-800-937-8997" in rendered.text
    assert len(rendered.text) <= 320  # two SMS segments at most
    assert rendered.subject and "\n" not in rendered.subject


def test_customer_callback_names_the_follow_up() -> None:
    rendered = render(
        "customer_callback", notice(purpose="your device repair", ticket_number="TK-77")
    )
    assert "follow up on your device repair (ticket TK-77)" in rendered.text
    assert "Wednesday, March 11 around 2:15 PM EDT" in rendered.text
    assert "(ticket TK-77)" in rendered.html
    assert len(rendered.text) <= 320


def test_times_follow_daylight_saving_in_the_customers_zone() -> None:
    winter = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)
    assert "2:00 PM EST" in render("dropped_call", notice(callback_at=winter)).text
    summer = datetime(2026, 3, 9, 18, 0, tzinfo=UTC)
    assert "2:00 PM EDT" in render("dropped_call", notice(callback_at=summer)).text
    arizona = render("dropped_call", notice(callback_at=summer, zone="America/Phoenix"))
    assert "11:00 AM MST" in arizona.text
    numeric = render("dropped_call", notice(callback_at=summer, zone="America/Sao_Paulo"))
    assert "3:00 PM UTC-03" in numeric.text


def test_a_slot_across_the_dst_change_names_both_abbreviations() -> None:
    start = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)  # 1:30 AM PST, the night clocks spring ahead
    rendered = render(
        "sa_scheduling_email",
        scheduling(slots=[{"start": start, "end": start + timedelta(hours=1)}]),
    )
    assert "Sunday, March 8, 1:30 AM PST to 3:30 AM PDT" in rendered.text


def test_scheduling_email_holds_every_required_part() -> None:
    slots = [
        {"start": AT + timedelta(days=1), "end": AT + timedelta(days=1, hours=1)},
        {"start": AT, "end": AT + timedelta(hours=2)},
    ]
    rendered = render(
        "sa_scheduling_email",
        scheduling(slots=slots, next_steps=["We run a line test first"]),
        brand=MessageBrand(name="Northwind", support_number="1-800-555-0123"),
    )
    text = rendered.text
    assert rendered.subject == "Let's schedule your callback: a ticket update (ticket TK-5)"
    assert "about a ticket update on ticket TK-5" in text
    # Slots are numbered in time order, whatever order they were given in.
    assert "1. Wednesday, March 11, 11:15 AM PDT to 1:15 PM PDT" in text
    assert "2. Thursday, March 12, 11:15 AM PDT to 12:15 PM PDT" in text
    assert "reply to this email with the number" in text
    assert "- We run a line test first" in text
    assert "Troubleshooting can be done during the call." in text
    assert "require changes to your account that need authentication" in text
    assert "please have your account PIN/passcode ready" in text
    assert "call support directly at 1-800-555-0123" in text
    assert "right away" in text and "none of these times work" in text
    assert "1-800-937-8997" not in text  # the brand's number replaces the default


def test_html_is_escaped_and_text_is_not() -> None:
    rendered = render("sa_scheduling_email", scheduling(customer_first_name="<b>Ana</b>"))
    assert "&lt;b&gt;Ana&lt;/b&gt;" in rendered.html and "<b>Ana</b>" not in rendered.html
    assert "Hi <b>Ana</b>," in rendered.text


def test_strict_undefined_refuses_a_missing_value() -> None:
    with pytest.raises(UndefinedError):
        # The module, not the function the package re-exports under the same name.
        module = importlib.import_module("caredesk.channels.templates.render")
        module._env.from_string("{{ missing }}").render()


@pytest.mark.parametrize(
    ("key", "context", "field"),
    [
        ("nope", notice(), "key"),
        (
            "dropped_call",
            {k: v for k, v in notice().items() if k != "callback_at"},
            "context.callback_at",
        ),
        ("dropped_call", notice(callback_at=AT.replace(tzinfo=None)), "context.callback_at"),
        ("dropped_call", notice(zone="Mars/Olympus"), "context.zone"),
        ("dropped_call", notice(from_number="2065550100"), "context.from_number"),
        ("dropped_call", notice(from_number="+1206"), "context.from_number"),
        ("dropped_call", notice(customer_first_name=""), "context.customer_first_name"),
        ("dropped_call", notice(customer_first_name="A\nB"), "context.customer_first_name"),
        ("dropped_call", notice(surprise=1), "context.surprise"),
        ("dropped_call", notice(pin="4821"), "context.pin"),
        ("sa_scheduling_email", scheduling(account_passcode="4821"), "context.account_passcode"),
        ("sa_scheduling_email", scheduling(ssn_last4="6789"), "context.ssn_last4"),
        ("sa_scheduling_email", scheduling(purpose="SSN 123-45-6789"), "context.purpose"),
        (
            "sa_scheduling_email",
            scheduling(next_steps=["card 4111 1111 1111 1111"]),
            "context.next_steps",
        ),
        ("sa_scheduling_email", scheduling(slots=[]), "context.slots"),
        ("sa_scheduling_email", scheduling(slots=[{"start": AT, "end": AT}]), "context.slots.0"),
        (
            "sa_scheduling_email",
            scheduling(slots=[{"start": AT, "end": AT + timedelta(hours=1)}] * 2),
            "context.slots",
        ),
        (
            "sa_scheduling_email",
            scheduling(
                slots=[
                    {"start": AT + timedelta(days=n), "end": AT + timedelta(days=n, hours=1)}
                    for n in range(11)
                ]
            ),
            "context.slots",
        ),
        (
            "sa_scheduling_email",
            scheduling(portal_url="http://insecure.example"),
            "context.portal_url",
        ),
        ("sa_scheduling_email", scheduling(purpose="x" * 121), "context.purpose"),
    ],
)
def test_bad_context_is_refused_naming_the_field(
    key: str, context: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        render(key, context)
    assert caught.value.field == field


def test_no_pin_or_ssn_shaped_digits_in_any_template() -> None:
    outputs = [
        render("dropped_call", notice()),
        render("customer_callback", notice(ticket_number="TK-5")),
        render("sa_scheduling_email", scheduling()),
    ]
    for rendered in outputs:
        for body in (rendered.subject, rendered.text, rendered.html):
            rest = body.replace("1-800-937-8997", "").replace("(206) 555-0100", "")
            assert not re.search(r"\d{4,}", rest), rest
            assert not re.search(r"\b\d{3}-\d{2}-\d{4}\b", rest)


def test_every_template_in_the_catalog_has_a_context_and_its_three_files() -> None:
    module = importlib.import_module("caredesk.channels.templates.render")
    assert set(module._CONTEXTS) == set(TEMPLATES)
    folder = Path(module.__file__).parent
    for key in TEMPLATES:
        for suffix in (".subject.txt", ".txt", ".html"):
            assert (folder / f"{key}{suffix}").is_file()
