"""How the command line names records: an account by its number or id, an agent by login or id,
and the names printed for them (the holder or business, the agent's name) instead of bare ids.
Imports are inside the functions, so that a command's --help loads none of this."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caredesk.db.session import UnitOfWork


def account_id_for(uow: UnitOfWork, ref: str, *, field: str = "--account") -> int:
    """``ACC-0000001`` or ``1``."""
    from caredesk.accounts import service as accounts
    from caredesk.errors import NotFound, ValidationFailed

    text = ref.strip()
    if text.isdigit():
        return accounts.get_account(uow, account_id=int(text)).id
    try:
        return accounts.get_account_by_number(uow, number=text).id
    except NotFound:
        raise NotFound(
            f"no account {text!r}; give its number (ACC-0000001) or id", field=field
        ) from None
    except ValidationFailed as error:
        raise ValidationFailed(error.detail, field=field) from None


def agent_id_for(uow: UnitOfWork, ref: str, *, field: str = "--agent") -> int:
    """An agent's login (``care1``) or id."""
    from caredesk.agents import service as agents
    from caredesk.errors import NotFound

    text = ref.strip()
    try:
        if text.isdigit():
            return agents.get_agent(uow, agent_id=int(text)).id
        return agents.get_agent_by_login(uow, login=text).id
    except NotFound:
        raise NotFound(f"no agent {text!r}; give a login (care1) or id", field=field) from None


def account_labels(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    """``ACC-0000001 Ana Lopez`` (the account holder, or the business)."""
    from sqlalchemy import select

    from caredesk.accounts.models import Account

    wanted = {value for value in ids if value is not None}
    if not wanted:
        return {}
    labels = {}
    for account in uow.session.scalars(select(Account).where(Account.id.in_(wanted))):
        holder = account.people[0] if account.people else None
        name = account.business_name or (
            f"{holder.first_name} {holder.last_name}" if holder else ""
        )
        labels[account.id] = f"{account.number} {name}".strip()
    return labels


def agent_names(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    from sqlalchemy import select

    from caredesk.agents.models import Agent

    wanted = {value for value in ids if value is not None}
    if not wanted:
        return {}
    rows = uow.session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(wanted)))
    return {row.id: row.name for row in rows}
