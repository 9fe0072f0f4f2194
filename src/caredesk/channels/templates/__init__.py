"""Message templates, looked up by a stable key; display names follow the agent handbook."""

from caredesk.channels.templates.render import (
    TEMPLATES,
    MessageBrand,
    RenderedMessage,
    TemplateInfo,
    render,
)

__all__ = ["TEMPLATES", "MessageBrand", "RenderedMessage", "TemplateInfo", "render"]
