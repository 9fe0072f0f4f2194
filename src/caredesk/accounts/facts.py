"""What an agent may be shown about an account on an outbound call: the proof facts
(OB-PROOF). The time zones its calling hours are read in are accounts/zones.py's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select

from caredesk.accounts import checks
from caredesk.accounts.models import Account, Bill, Device, Line, LineStatus
from caredesk.accounts.values import ProofFacts
from caredesk.db.base import Base
from caredesk.db.session import UnitOfWork

CARE_CALL_MEMO = "care_call"


def _memos_table() -> Table | None:
    # Memos belong to another domain; read through the shared metadata so this keeps working
    # (answering "no call on record") before that table exists.
    return Base.metadata.tables.get("memos")


def _last_care_call(uow: UnitOfWork, account: Account) -> date | None:
    memos = _memos_table()
    if memos is None or not {"account_id", "kind", "created_at"} <= set(memos.c.keys()):
        return None
    latest = uow.session.execute(
        select(memos.c.created_at)
        .where(memos.c.account_id == account.id, memos.c.kind == CARE_CALL_MEMO)
        .order_by(memos.c.created_at.desc())
        .limit(1)
    ).scalar()
    if latest is None:
        return None
    if isinstance(latest, datetime):
        # The customer remembers the day on their own calendar, not in UTC.
        if latest.tzinfo is not None and account.time_zone:
            return latest.astimezone(ZoneInfo(account.time_zone)).date()
        return latest.date()
    return latest if isinstance(latest, date) else None


def proof_facts(uow: UnitOfWork, *, account_id: int) -> ProofFacts:
    """Exactly three facts, nothing more sensitive: the last bill's amount, the devices in use
    (make and model) and the date of the last call to Care."""
    account = checks.load_account(uow, account_id)
    last_bill = uow.session.scalar(
        select(Bill.amount)
        .where(Bill.account_id == account.id)
        .order_by(Bill.period_end.desc(), Bill.id.desc())
        .limit(1)
    )
    devices = uow.session.execute(
        select(Device.make, Device.model)
        .join(Line, Line.id == Device.line_id)
        .where(Device.account_id == account.id, Line.status != LineStatus.DISCONNECTED)
        .order_by(Device.id)
    ).all()
    return ProofFacts(
        last_bill_amount=last_bill,
        devices_in_use=[f"{make} {model}" for make, model in devices],
        last_care_call_date=_last_care_call(uow, account),
    )
