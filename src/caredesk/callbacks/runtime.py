"""What a callback use case needs besides the database and its input: the policy in force, the
sender that delivers customer messages, the voice gateway and the settings (with the brand the
messages carry and the line called from when no agent's own line applies). Built once per
process by ``caredesk.bootstrap.build_callback_runtime`` (the web app keeps it at
``app.state.callbacks``; the dispatcher process and the commands build their own the same way)
and handed to a use case whole, never piece by piece."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from caredesk.channels.ports import MessageSender, VoiceGateway
from caredesk.channels.templates.catalog import MessageBrand
from caredesk.config import Settings
from caredesk.policy import PolicyConfig

if TYPE_CHECKING:
    # Named only in a type: a command that builds a runtime loads the ORM when it uses it.
    from caredesk.db.session import Database


class RoundStep(Protocol):
    """Work of another domain the dispatcher does every round (routing waiting callers to
    agents): it commits its own transactions and returns counts named as fields of
    ``DispatchReport``. Wired by ``bootstrap``, so this package never imports the ones above."""

    @property
    def name(self) -> str: ...

    def __call__(self, db: Database, *, now: datetime, batch: int) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class CallbackRuntime:
    policy: PolicyConfig
    sender: MessageSender
    gateway: VoiceGateway
    settings: Settings
    round_steps: tuple[RoundStep, ...] = ()

    @property
    def brand(self) -> MessageBrand:
        """The name, support number and mailbox customer messages carry."""
        return MessageBrand(
            name=self.settings.brand_name,
            support_number=self.settings.support_number,
            care_mailbox=self.settings.care_mailbox,
        )

    @property
    def default_line(self) -> str:
        """The first platform line (the number customers see us call from)."""
        return self.settings.voice_lines[0]
