"""What a callback use case needs besides the database: the policy in force, the sender that
delivers customer messages, the voice gateway and the settings. Built once per process by
``caredesk.bootstrap.build_callback_runtime`` (the web app keeps it at ``app.state.callbacks``;
the dispatcher process builds its own the same way)."""

from __future__ import annotations

from dataclasses import dataclass

from caredesk.channels.ports import MessageSender, VoiceGateway
from caredesk.config import Settings
from caredesk.policy import PolicyConfig


@dataclass(frozen=True)
class CallbackRuntime:
    policy: PolicyConfig
    sender: MessageSender
    gateway: VoiceGateway
    settings: Settings
