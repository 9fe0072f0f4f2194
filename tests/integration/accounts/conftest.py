"""Fixtures for account tests."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.accounts import service
from caredesk.accounts.models import Account
from caredesk.accounts.values import LineSpec, ServiceAddress
from caredesk.db.session import Database
from tests.integration.accounts.builders import ACTOR, AccountMaker, holder


@pytest.fixture
def make_account(db: Database) -> AccountMaker:
    def _make(number: str = "ACC-0001234", **kwargs: Any) -> Account:
        kwargs.setdefault("people", [holder()])
        kwargs.setdefault("lines", [LineSpec(msisdn="+12125550123")])
        kwargs.setdefault(
            "service_address",
            ServiceAddress(
                street="1 Main St",
                city="New York",
                region="NY",
                postal_code="10001",
                country="us",
                time_zone="America/New_York",
            ),
        )
        with db.uow() as uow:
            return service.create_account(uow, actor=ACTOR, number=number, **kwargs)

    return _make
