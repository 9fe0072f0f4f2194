"""What the integration tests share: the command line run in-process against the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from caredesk.config import get_settings
from caredesk.db.session import Database


@pytest.fixture
def cli(db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner whose commands open the test database (emptied by `db`); a file that needs more
    (a demo load, a wider console) defines its own."""
    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
