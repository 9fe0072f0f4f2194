"""How the command line names records: an account by its number or id, an agent by login or id,
and the names printed for them (the holder or business, the agent's name) instead of bare ids.
Imported inside the commands, so that a command's --help loads none of this.

The few columns read here are named as plain table clauses, not through the accounts' and
agents' models: a command that prints a name does not declare and map those domains' classes,
a few hundredths of a second at every start (tests/unit/cli/test_cli_refs.py holds these
columns to the models)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import column, select, table

from caredesk.db.session import UnitOfWork
from caredesk.errors import NotFound
from caredesk.limits import MAX_ID

ACCOUNTS = table("accounts", column("id"), column("number"), column("business_name"))
PEOPLE = table(
    "people", column("id"), column("account_id"), column("first_name"), column("last_name")
)
AGENTS = table("agents", column("id"), column("login"), column("name"))


def account_id_for(uow: UnitOfWork, ref: str, *, field: str = "--account") -> int:
    """``ACC-0000001`` or ``1``."""
    text = ref.strip()
    query = select(ACCOUNTS.c.id)
    if text.isdigit():
        # Past the largest id nothing is found; such a number may not even fit the driver.
        query = query.where(ACCOUNTS.c.id == min(int(text), MAX_ID + 1))
    else:
        query = query.where(ACCOUNTS.c.number == text.upper())
    found: int | None = uow.session.scalar(query)
    if found is None:
        raise NotFound(f"no account {text!r}; give its number (ACC-0000001) or id", field=field)
    return found


def agent_id_for(uow: UnitOfWork, ref: str, *, field: str = "--agent") -> int:
    """An agent's login (``care1``) or id."""
    text = ref.strip()
    query = select(AGENTS.c.id)
    if text.isdigit():
        # Past the largest id nothing is found; such a number may not even fit the driver.
        query = query.where(AGENTS.c.id == min(int(text), MAX_ID + 1))
    else:
        query = query.where(AGENTS.c.login == text)
    found: int | None = uow.session.scalar(query)
    if found is None:
        raise NotFound(f"no agent {text!r}; give a login (care1) or id", field=field)
    return found


def account_labels(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    """``ACC-0000001 Ana Lopez`` (the account's first person, or the business)."""
    wanted = {value for value in ids if value is not None}
    if not wanted:
        return {}
    people = uow.session.execute(
        select(PEOPLE.c.account_id, PEOPLE.c.first_name, PEOPLE.c.last_name)
        .where(PEOPLE.c.account_id.in_(wanted))
        .order_by(PEOPLE.c.id)
    )
    first_person: dict[int, str] = {}
    for person in people:
        first_person.setdefault(person.account_id, f"{person.first_name} {person.last_name}")
    accounts = uow.session.execute(
        select(ACCOUNTS.c.id, ACCOUNTS.c.number, ACCOUNTS.c.business_name).where(
            ACCOUNTS.c.id.in_(wanted)
        )
    )
    labels = {}
    for account in accounts:
        name = account.business_name or first_person.get(account.id, "")
        labels[account.id] = f"{account.number} {name}".strip()
    return labels


def agent_names(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {value for value in ids if value is not None}
    if not wanted:
        return {}
    rows = uow.session.execute(select(AGENTS.c.id, AGENTS.c.name).where(AGENTS.c.id.in_(wanted)))
    return {row.id: row.name for row in rows}
