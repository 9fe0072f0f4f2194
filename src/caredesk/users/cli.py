"""`caredesk user ...` and `caredesk token ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from caredesk.audit.actor import Actor
from caredesk.cli_support import (
    console,
    lazy_module,
    listing,
    open_database,
    run_command,
    show_listing,
)
from caredesk.users.roles import Role

if TYPE_CHECKING:
    from caredesk.users import queries, service
else:
    queries = lazy_module("caredesk.users.queries")
    service = lazy_module("caredesk.users.service")

user_app = typer.Typer(help="Users of the platform: staff and customers.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (bearer).", no_args_is_help=True)
OPERATOR = Actor.system("cli")


@user_app.command("create")
def create(
    login: str = typer.Argument(..., help="Login name."),
    role: Role = typer.Option(..., help="customer, agent, specialist, leader or admin."),
    name: str = typer.Option(None, "--name", help="Display name (defaults to the login)."),
    password: str = typer.Option(None, help="Password for web login (argon2-hashed)."),
    account_id: int = typer.Option(None, help="For customers: the account they may see."),
    agent_id: int = typer.Option(None, help="For staff on the desktop: their agent record."),
) -> None:
    """Create a user."""
    with run_command(), open_database() as db, db.uow() as uow:
        user = service.create_user(
            uow,
            actor=OPERATOR,
            login=login,
            display_name=name or login,
            role=role,
            password=password,
            account_id=account_id,
            agent_id=agent_id,
        )
        console.print(f"created user {user.login} (id {user.id}, role {user.role})")


@user_app.command("list")
def list_users() -> None:
    """List users."""

    with run_command(), open_database() as db, db.uow() as uow:
        table = listing("id", "login", "role", "account", "agent", "active", whole=("id", "login"))
        for user in queries.list_users(uow):
            table.add_row(
                str(user.id),
                user.login,
                user.role,
                str(user.account_id or ""),
                str(user.agent_id or ""),
                "yes" if user.active else "no",
            )
        show_listing(console, table, none="no users")


@token_app.command("create")
def create_token(
    login: str = typer.Argument(..., help="The user the token acts as."),
    name: str = typer.Option("cli", help="A label for the token."),
    ttl_days: int = typer.Option(
        None, min=1, max=3650, help="Lifetime in days (default: CAREDESK_TOKEN_TTL_DAYS)."
    ),
) -> None:
    """Issue a bearer token; it is printed once and only its digest is stored."""
    from caredesk.config import get_settings

    ttl = ttl_days or get_settings().token_ttl_days
    with run_command(), open_database() as db, db.uow() as uow:
        user = service.get_user(uow, login=login)
        issued = service.issue_token(uow, actor=OPERATOR, user=user, name=name, ttl_days=ttl)
        typer.echo(issued.token)


@token_app.command("revoke")
def revoke_token(token_id: int = typer.Argument(..., help="Token id.")) -> None:
    """Revoke a token."""
    with run_command(), open_database() as db, db.uow() as uow:
        service.revoke_token(uow, actor=OPERATOR, token_id=token_id)
        console.print(f"revoked token {token_id}")
