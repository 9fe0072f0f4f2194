"""Use cases for what an account holds: lines, the devices on them, and bills."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, select

from caredesk.accounts import checks, values
from caredesk.accounts.models import Bill, Device, Line, LineStatus
from caredesk.accounts.service import msisdn_in_use
from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, ValidationFailed


def add_line(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    msisdn: str,
    status: LineStatus | str = LineStatus.ACTIVE,
) -> Line:
    with checks.conflicts_named(), uow.atomic():
        number = checks.valid("msisdn", values.normalise_phone, msisdn)
        line_status = checks.choice("status", LineStatus, status)
        account = checks.open_account(uow, account_id)
        if msisdn_in_use(uow, number):
            raise Conflict("the number is already a line", field="msisdn")
        line = Line(
            account_id=account.id,
            msisdn=number,
            status=line_status.value,
            created_at=uow.clock.now(),
        )
        uow.session.add(line)
        checks.flush(uow)
        record(
            uow,
            actor=actor,
            action="account.line_added",
            subject_type="account",
            subject_id=account.id,
            after={"line_id": line.id, "msisdn": line.msisdn, "status": line.status},
        )
        return line


def lines_query(*, account_id: int) -> Select[Line]:
    return select(Line).where(Line.account_id == account_id)


def add_device(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    make: str,
    model: str,
    line_id: int | None = None,
    imei_last4: str | None = None,
) -> Device:
    with checks.conflicts_named(), uow.atomic():
        make_text = checks.required_text("make", make, max_length=60)
        model_text = checks.required_text("model", model, max_length=80)
        imei = (
            checks.valid("imei_last4", values.check_imei_last4, imei_last4) if imei_last4 else None
        )
        checks.identifier("line_id", line_id)
        account = checks.open_account(uow, account_id)
        if line_id is not None:
            line = uow.session.get(Line, line_id)
            if line is None or line.account_id != account.id:
                raise NotFound(f"no line {line_id} on account {account.id}", field="line_id")
        device = Device(
            account_id=account.id,
            line_id=line_id,
            make=make_text,
            model=model_text,
            imei_last4=imei,
            created_at=uow.clock.now(),
        )
        uow.session.add(device)
        checks.flush(uow)
        record(
            uow,
            actor=actor,
            action="account.device_added",
            subject_type="account",
            subject_id=account.id,
            after={
                "device_id": device.id,
                "make": device.make,
                "model": device.model,
                "line_id": device.line_id,
            },
        )
        return device


def devices_query(*, account_id: int) -> Select[Device]:
    return select(Device).where(Device.account_id == account_id)


def _bill_date(field: str, value: date) -> date:
    if not values.EARLIEST <= value.year <= values.LATEST:
        raise ValidationFailed(
            f"must fall between the years {values.EARLIEST} and {values.LATEST}", field=field
        )
    return value


def add_bill(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    period_start: date,
    period_end: date,
    amount: Decimal | int | str,
    due_date: date,
    paid_at: datetime | None = None,
) -> Bill:
    with checks.conflicts_named(), uow.atomic():
        start = _bill_date("period_start", period_start)
        end = _bill_date("period_end", period_end)
        due = _bill_date("due_date", due_date)
        if end <= start:
            raise ValidationFailed("must be after period_start", field="period_end")
        if due < start:
            raise ValidationFailed("must not be before period_start", field="due_date")
        total = checks.money("amount", amount, allow_negative=False)
        paid = checks.instant("paid_at", paid_at)
        now = uow.clock.now()
        if paid is not None and paid > now:
            raise ValidationFailed("must not be in the future", field="paid_at")
        # Closed accounts still get their final bill, so no open-account check here.
        account = checks.load_account(uow, account_id)
        taken = select(Bill.id).where(Bill.account_id == account.id, Bill.period_start == start)
        if uow.session.scalar(taken) is not None:
            raise Conflict("the account has a bill for this period", field="period_start")
        bill = Bill(
            account_id=account.id,
            period_start=start,
            period_end=end,
            amount=total,
            due_date=due,
            paid_at=paid,
            created_at=now,
        )
        uow.session.add(bill)
        checks.flush(uow)
        record(
            uow,
            actor=actor,
            action="account.bill_added",
            subject_type="account",
            subject_id=account.id,
            after={
                "bill_id": bill.id,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "amount": str(total),
                "due_date": due.isoformat(),
                "paid": bill.paid,
            },
        )
        return bill


def bills_query(*, account_id: int) -> Select[Bill]:
    return select(Bill).where(Bill.account_id == account_id)
