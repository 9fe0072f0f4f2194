"""What the message templates are (key, handbook name, purpose) and who messages come from,
without the renderer: a use case that may queue a notice names these at import, and loads
Jinja2 and the typed contexts (``render``) only when it composes one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SUPPORT_NUMBER = "1-800-937-8997"


@dataclass(frozen=True)
class MessageBrand:
    """Who the messages come from; operators set these in configuration."""

    name: str = "Customer Care"
    support_number: str = DEFAULT_SUPPORT_NUMBER
    care_mailbox: str = "care@caredesk.example"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class TemplateInfo:
    key: str
    display_name: str
    purpose: str


TEMPLATES: Mapping[str, TemplateInfo] = {
    info.key: info
    for info in (
        TemplateInfo(
            "customer_callback",
            "Customer Callback",
            "Follow-ups, and Leaders calling on tickets (OB-NOTIFY)",
        ),
        TemplateInfo("dropped_call", "Dropped Call", "Calling back after a dropped call"),
        TemplateInfo(
            "sa_scheduling_email",
            "Service Assurance Scheduling Email",
            "Email-first scheduling of a Service Assurance callback (OB-SA-EMAIL-FIRST)",
        ),
    )
}
