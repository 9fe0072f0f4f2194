"""Finding a customer from the desktop and the customer panel.

The search takes what an agent has in front of them: a phone number of any contact point or
line, written any way a person types it ("(303) 555-0123", "303.555.0123", "+1 303 555 0123"),
a name, an account number or a case number. The panel shows the account, its people and how
to reach them, lines, devices, bills, memos, cases and callbacks. Secrets are never stored
readable (PINs and SSN digits are hashes), so no page can show them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from caredesk.accounts.models import Account, Bill, Device
from caredesk.accounts.service import accounts_query, get_account
from caredesk.accounts.zones import first_line, zones_of
from caredesk.callbacks.models import Callback
from caredesk.db.paging import fetch_page
from caredesk.errors import NotFound
from caredesk.memos.service import account_memos
from caredesk.tickets.models import Ticket
from caredesk.tickets.numbers import is_case_number
from caredesk.tickets.service import get_ticket
from caredesk.web.deps import UoW
from caredesk.web.pages.desk_support import AccountId, Cursor, desk_zone, reason_text, words
from caredesk.web.pages.rendering import render
from caredesk.web.pages.routing import SignedStaff, page_router

router = page_router()
RESULTS_PER_PAGE = 20
MEMOS_PER_PAGE = 10
CASES_PER_PAGE = 20
LAST_BILLS = 12
LAST_CALLBACKS = 20
MAX_QUERY = 100


def holder_names(account: Account) -> str:
    names = [f"{person.first_name} {person.last_name}" for person in account.people]
    return ", ".join(names) or (account.business_name or "")


@router.get("/desk/customers")
def customer_search(
    request: Request,
    principal: SignedStaff,
    uow: UoW,
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    cursor: Cursor = None,
) -> Response:
    text = q.strip()
    case = None
    results: list[Account] = []
    next_cursor = None
    if text:
        if is_case_number(text.upper()):
            try:
                case = get_ticket(uow, ref=text.upper())
            except NotFound:
                case = None
        results, next_cursor = fetch_page(
            uow,
            accounts_query(text=text),
            Account.id,
            limit=RESULTS_PER_PAGE,
            cursor=cursor,
        )
    case_account = uow.session.get(Account, case.account_id) if case is not None else None
    return render(
        request,
        "desk/customers.html",
        {
            "q": text,
            "case": case,
            "case_account": case_account,
            "results": results,
            "next_cursor": next_cursor,
            "holder_names": holder_names,
            "words": words,
            "max_query": MAX_QUERY,
        },
    )


def _panel(
    uow: UoW, account_id: int, memo_cursor: str | None, case_cursor: str | None
) -> dict[str, Any]:
    # Read once and handed down: the account comes with its lines, people and contact points,
    # and its zone is worked out from them.
    account = get_account(uow, account_id=account_id)
    zone = zones_of(uow, account, first_line(account))
    devices = list(
        uow.session.scalars(
            select(Device)
            .where(Device.account_id == account.id)
            .order_by(Device.id)
            .options(lazyload(Device.line))  # the page places devices by line_id
        )
    )
    bills = list(
        uow.session.scalars(
            select(Bill)
            .where(Bill.account_id == account.id)
            .order_by(Bill.period_end.desc(), Bill.id.desc())
            .limit(LAST_BILLS)
        )
    )
    memos, next_memos = account_memos(
        uow, account_id=account.id, limit=MEMOS_PER_PAGE, cursor=memo_cursor
    )
    cases, next_cases = fetch_page(
        uow,
        select(Ticket).where(Ticket.account_id == account.id),
        Ticket.id,
        limit=CASES_PER_PAGE,
        cursor=case_cursor,
    )
    callbacks = list(
        uow.session.scalars(
            select(Callback)
            .where(Callback.account_id == account.id)
            .order_by(Callback.id.desc())
            .limit(LAST_CALLBACKS)
        )
    )
    return {
        "account": account,
        "zones": list(zone.zones),
        "zone_source": words(zone.source.value) if zone.source else "",
        "devices": devices,
        "bills": bills,
        "memos": memos,
        "next_memos": next_memos,
        "cases": cases,
        "next_cases": next_cases,
        "callbacks": callbacks,
        "holder_names": holder_names,
        "reason_text": reason_text,
        "words": words,
    }


@router.get("/desk/customers/{account_id}")
def customer_panel(
    request: Request,
    account_id: AccountId,
    principal: SignedStaff,
    uow: UoW,
    memos: Cursor = None,
    cases: Cursor = None,
) -> Response:
    context = _panel(uow, account_id, memos, cases)
    context["agent_zone"] = desk_zone(request)
    return render(request, "desk/customer.html", context)
