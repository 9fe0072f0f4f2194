"""Message templates, looked up by a stable key; display names follow the agent handbook.

The package names the catalog only; rendering (Jinja2 and the typed contexts) is
``caredesk.channels.templates.render.render``, loaded by whoever composes a message."""

from caredesk.channels.templates.catalog import (
    TEMPLATES,
    MessageBrand,
    RenderedMessage,
    TemplateInfo,
)

__all__ = ["TEMPLATES", "MessageBrand", "RenderedMessage", "TemplateInfo"]
