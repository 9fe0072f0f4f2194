"""A serving process keeps what it built at start-up out of the garbage collector's passes (a
full pass over it stopped every request of the process for a few hundred milliseconds), and
gives it back when the app stops, so a process that builds many apps (the tests) frees them."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from caredesk.config import Settings
from caredesk.db.session import Database


def test_a_running_app_leaves_its_start_up_objects_out_of_collection(
    db: Database, settings: Settings
) -> None:
    from caredesk.web.app import create_app

    gc.unfreeze()
    app = create_app(settings, database=db)
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 0
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0
