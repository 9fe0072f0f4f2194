"""Case numbers stay unique when many cases are opened at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from caredesk.db.session import Database
from caredesk.tickets import service
from caredesk.tickets.models import Ticket
from tests.integration.tickets.factories import STAFF, make_account

WORKERS = 8
PER_WORKER = 5


def test_concurrent_creation_gives_unique_numbers(db: Database) -> None:
    account = make_account(db)
    start = threading.Barrier(WORKERS)

    def open_cases(worker: int) -> list[str]:
        start.wait()
        numbers = []
        for index in range(PER_WORKER):
            with db.uow() as uow:
                ticket = service.create_ticket(
                    uow,
                    actor=STAFF,
                    account_id=account,
                    subject=f"Case {worker}-{index}",
                    description="Opened while others were opening cases too.",
                )
                numbers.append(ticket.case_number)
        return numbers

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(open_cases, range(WORKERS)))
    numbers = [number for batch in results for number in batch]
    assert len(numbers) == WORKERS * PER_WORKER
    assert len(set(numbers)) == len(numbers)
    with db.uow() as uow:
        stored = list(uow.session.execute(select(Ticket.id, Ticket.case_number)))
    assert len(stored) == len(numbers)
    assert all(number == f"CS-{ticket_id:06d}" for ticket_id, number in stored)
