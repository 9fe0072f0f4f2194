"""Listing users: only the users' table, none of the audit, token or password code."""

from __future__ import annotations

from sqlalchemy import Select, select

from caredesk.db.session import UnitOfWork
from caredesk.users.models import User


def users_query() -> Select[User]:
    return select(User)


def list_users(uow: UnitOfWork) -> list[User]:
    return list(uow.session.scalars(users_query().order_by(User.id)))
