"""The kinds and states an account, a person, a contact point and a line can have, and the moves
between an account's states.

Plain enumerations with no database code, so that the command line can offer them as choices
without loading the ORM."""

from __future__ import annotations

from enum import StrEnum


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class AccountType(StrEnum):
    CONSUMER = "consumer"
    BUSINESS = "business"


class PersonRole(StrEnum):
    ACCOUNT_HOLDER = "account_holder"
    AUTHORISED_USER = "authorised_user"


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"


class ContactLabel(StrEnum):
    MOBILE = "mobile"
    HOME = "home"
    WORK = "work"
    ALTERNATE = "alternate"


class LineStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DISCONNECTED = "disconnected"


class ConsentChannel(StrEnum):
    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    PORTAL = "portal"
    API = "api"


# Closed is final: a closed account is reopened by opening a new one, so its history stays whole.
ACCOUNT_TRANSITIONS: dict[AccountStatus, frozenset[AccountStatus]] = {
    AccountStatus.ACTIVE: frozenset({AccountStatus.SUSPENDED, AccountStatus.CLOSED}),
    AccountStatus.SUSPENDED: frozenset({AccountStatus.ACTIVE, AccountStatus.CLOSED}),
    AccountStatus.CLOSED: frozenset(),
}
