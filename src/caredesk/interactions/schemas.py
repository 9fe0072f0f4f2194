from __future__ import annotations

from datetime import datetime

from pydantic import Field

from caredesk.interactions.models import Channel, Direction, Disposition
from caredesk.schemas import AwareDatetime, Id, Input, Output

ADDRESS = "A phone number in E.164 (+14155550123) or an email address."


class InteractionCreate(Input):
    channel: Channel
    direction: Direction
    started_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    ended_at: AwareDatetime | None = None
    disposition: Disposition | None = Field(default=None, description="With ended_at.")
    agent_id: Id | None = None
    account_id: Id | None = None
    ticket_id: Id | None = None
    from_address: str | None = Field(
        default=None, min_length=3, max_length=320, description=ADDRESS
    )
    to_address: str | None = Field(default=None, min_length=3, max_length=320, description=ADDRESS)


class InteractionEnd(Input):
    disposition: Disposition
    ended_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")


class InteractionRead(Output):
    id: int
    channel: Channel
    direction: Direction
    started_at: datetime
    ended_at: datetime | None
    disposition: Disposition | None
    agent_id: int | None
    account_id: int | None
    ticket_id: int | None
    from_address: str | None
    to_address: str | None
    created_at: datetime
