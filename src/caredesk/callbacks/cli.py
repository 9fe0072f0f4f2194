"""`caredesk callback ...`: request callbacks, list the ones due, explain why one may not be
dialled now, cancel one, and enter the time a customer chose in reply to a scheduling email."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.table import Table

from caredesk.accounts.kinds import ConsentChannel
from caredesk.audit.actor import Actor
from caredesk.cli_support import (
    console,
    err_console,
    fail,
    lazy_module,
    listing,
    open_database,
    run_command,
    show_listing,
)
from caredesk.limits import MAX_LIMIT
from caredesk.policy import CallbackOrigin, CallbackReason, CallerRole, LineOfBusiness, Step

# The use cases (and the message templates and policy file behind them) are imported by the
# commands that need them: listing what is due should not pay for composing a notice, nor for
# the policy's settings and decisions.
if TYPE_CHECKING:
    from caredesk.callbacks import queries
    from caredesk.callbacks.models import Callback
    from caredesk.callbacks.refusals import CallbackRequestRefused
    from caredesk.callbacks.runtime import CallbackRuntime
    from caredesk.db.session import Database, UnitOfWork
    from caredesk.policy import Decision, PolicyConfig
else:
    queries = lazy_module("caredesk.callbacks.queries")

app = typer.Typer(help="Callbacks: request, due, why not now, cancel, slots.", no_args_is_help=True)
OPERATOR = Actor.system("cli")


def _policy() -> PolicyConfig:
    from caredesk.bootstrap import load_callback_policy
    from caredesk.callbacks.policy_file import PolicyFileError
    from caredesk.config import get_settings

    try:
        return load_callback_policy(get_settings())
    except PolicyFileError as error:
        raise fail(f"policy file {error}") from None


def _runtime(db: Database) -> CallbackRuntime:
    from caredesk.bootstrap import build_callback_runtime
    from caredesk.config import get_settings

    return build_callback_runtime(get_settings(), db.clock, policy=_policy(), dispatching=False)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="minutes") if value else "-"


def _notice(uow: UnitOfWork, callback: Callback) -> str:
    """The notice and where it is: sent, queued to go (held for its lead time before the planned
    call), or what became of it in the outbox."""
    template = callback.notification_template or "-"
    if callback.notified_at is not None:
        return f"{template} (sent {_when(callback.notified_at)})"
    from caredesk.channels.queries import delivery_of

    delivery = delivery_of(uow, callback.notification_message_id)
    if delivery is None:
        return f"{template} (not queued)"
    if delivery.goes_at is not None:
        return f"{template} (queued to go {_when(delivery.goes_at)})"
    if delivery.went_at is not None:
        return f"{template} (sent {_when(delivery.went_at)})"
    return f"{template} ({delivery.status}, message {callback.notification_message_id})"


def _print_callback(uow: UnitOfWork, callback: Callback) -> None:
    table = Table(show_header=False, box=None)
    table.add_column("field", style="bold")
    table.add_column("value")
    rows = [
        ("callback", str(callback.id)),
        ("status", callback.status),
        ("account", str(callback.account_id)),
        ("line of business", callback.line_of_business),
        ("origin / reason", f"{callback.origin} / {callback.reason}"),
        ("number", callback.number),
        ("due", _when(callback.due_at)),
        ("owner", str(callback.owner_agent_id or "-")),
        ("assignment pool", "yes" if callback.in_assignment_pool else "no"),
        ("notice", _notice(uow, callback)),
        ("attempts without contact", str(callback.attempts_without_contact)),
        ("refused by", ", ".join(callback.refused_rules or []) or "-"),
        ("outcome", callback.outcome or "-"),
    ]
    for slot_number, slot in enumerate(callback.offered_slots or [], start=1):
        rows.append((f"offered time {slot_number}", f"{slot['start']} to {slot['end']}"))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _print_decision(decision: Decision) -> None:
    from caredesk.callbacks.decision_output import print_decision

    print_decision(console, decision, when=_when)


@app.command("request")
def request(
    account_id: int = typer.Option(..., min=1, help="The account to call back."),
    reason: CallbackReason = typer.Option(..., help="Why the call is owed (OB-REASON)."),
    origin: CallbackOrigin = typer.Option(CallbackOrigin.FOLLOW_UP, help="Where it came from."),
    line_of_business: LineOfBusiness = typer.Option(LineOfBusiness.CARE, "--lob"),
    caller_role: CallerRole = typer.Option(CallerRole.AGENT),
    number: str = typer.Option(None, help="Number to call (default: the person's phone)."),
    person_id: int = typer.Option(None, min=1),
    ticket: str = typer.Option(None, help="Case number (CS-000123) or id."),
    owner_agent_id: int = typer.Option(None, min=1),
    never_spoken: bool = typer.Option(False, help="Nobody in care spoke with the customer."),
    idempotency_key: str = typer.Option(None, help="The same key again returns the same one."),
) -> None:
    """Request a callback. A refusal for good is stored, and each refusing rule is printed on
    stderr with its sentence (exit 2)."""
    from caredesk.callbacks import refusals, requests
    from caredesk.callbacks.inputs import CallbackRequest
    from caredesk.callbacks.models import CallbackStatus

    with run_command(), open_database() as db, db.uow() as uow:
        request = CallbackRequest(
            account_id=account_id,
            origin=origin,
            reason=reason,
            line_of_business=line_of_business,
            caller_role=caller_role,
            number=number,
            person_id=person_id,
            ticket_ref=ticket,
            owner_agent_id=owner_agent_id,
            customer_spoken_to=not never_spoken,
            idempotency_key=idempotency_key,
        )
        callback = requests.request_callback(uow, request, actor=OPERATOR, runtime=_runtime(db))
        if callback.status == CallbackStatus.REFUSED.value:
            _refused(refusals.refused_error(uow, callback))
        _print_callback(uow, callback)


def _refused(error: CallbackRequestRefused) -> NoReturn:
    """One line per refusing rule on stderr, naming the stored refusal; exit 2."""
    refusal = error.extra["refusal_id"]
    for item in error.extra["rules"]:
        err_console.print(
            f"error: refused by {item['rule_id']}: {item['sentence']} (stored as callback "
            f"{refusal})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    raise typer.Exit(code=2)


@app.command("due")
def due(
    line_of_business: LineOfBusiness = typer.Option(None, "--lob"),
    limit: int = typer.Option(50, min=1, max=MAX_LIMIT),
) -> None:
    """Callbacks due now (scheduled, due time reached)."""
    from caredesk.callbacks.models import Callback, CallbackStatus

    with run_command(), open_database() as db, db.uow() as uow:
        query = queries.callbacks_query(
            status=CallbackStatus.SCHEDULED,
            due_before=uow.clock.now(),
            line_of_business=line_of_business.value if line_of_business else None,
        )
        rows = list(uow.session.scalars(query.order_by(Callback.due_at, Callback.id).limit(limit)))
        table = listing(
            "id", "due", "lob", "reason", "account", "owner", "pool", whole=("id", "due")
        )
        for row in rows:
            table.add_row(
                str(row.id),
                _when(row.due_at),
                row.line_of_business,
                row.reason,
                str(row.account_id),
                str(row.owner_agent_id or "-"),
                "yes" if row.in_assignment_pool else "no",
            )
        if rows:
            show_listing(console, table, none="")
        console.print(f"{len(rows)} due")


@app.command("show")
def show(callback_id: int = typer.Argument(..., min=1)) -> None:
    """One callback and its timeline."""
    from caredesk.callbacks.models import CallbackEvent

    with run_command(), open_database() as db, db.uow() as uow:
        callback = queries.get_callback(uow, callback_id=callback_id)
        _print_callback(uow, callback)
        events = uow.session.scalars(
            queries.events_query(callback_id=callback_id).order_by(CallbackEvent.id)
        )
        table = listing("at", "event", "status", "rules", "detail", whole=("at", "event"))
        for event in events:
            moved = f"{event.from_status or ''} -> {event.to_status or ''}"
            table.add_row(
                _when(event.at), event.kind, moved, ", ".join(event.rule_ids or []), event.detail
            )
        show_listing(console, table, none="no events")


@app.command("why")
def why(
    callback_id: int = typer.Argument(..., min=1),
    agent_id: int = typer.Option(None, min=1, help="Judge it for this agent."),
    step: Step = typer.Option(Step.DIAL),
) -> None:
    """Why not now? The policy's decision, rule by rule; exit 1 when refused."""
    from caredesk.callbacks import scheduling

    with run_command(), open_database() as db, db.uow() as uow:
        decision = scheduling.why_not_now(
            uow,
            policy=_policy(),
            callback_id=callback_id,
            agent_id=agent_id,
            step=step,
            now=uow.clock.now(),
        )
    _print_decision(decision)
    raise typer.Exit(code=0 if decision.allowed else 1)


@app.command("cancel")
def cancel(
    callback_id: int = typer.Argument(..., min=1),
    reason: str = typer.Option(..., help="Why it is cancelled."),
) -> None:
    """Cancel a callback that is not on a call."""
    from caredesk.callbacks import wrapup

    with run_command(), open_database() as db, db.uow() as uow:
        callback = wrapup.cancel_callback(
            uow, actor=OPERATOR, callback_id=callback_id, reason=reason
        )
        console.print(f"callback {callback.id} cancelled")


@app.command("attention")
def needs_attention(
    line_of_business: LineOfBusiness = typer.Option(None, "--lob"),
    limit: int = typer.Option(50, min=1, max=MAX_LIMIT),
) -> None:
    """Callbacks needing attention: their notice or scheduling email could not be delivered.
    Requeue it (`callback requeue-notice ID`) or cancel the callback."""
    from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus

    with run_command(), open_database() as db, db.uow() as uow:
        query = queries.callbacks_query(
            status=CallbackStatus.NEEDS_ATTENTION,
            line_of_business=line_of_business.value if line_of_business else None,
        )
        rows = list(uow.session.scalars(query.order_by(Callback.id).limit(limit)))
        table = listing("id", "since", "lob", "reason", "account", "why", whole=("id", "since"))
        for row in rows:
            last = uow.session.scalar(
                queries.events_query(callback_id=row.id).order_by(CallbackEvent.id.desc()).limit(1)
            )
            table.add_row(
                str(row.id),
                _when(row.updated_at),
                row.line_of_business,
                row.reason,
                str(row.account_id),
                last.detail if last is not None else "-",
            )
        if rows:
            show_listing(console, table, none="")
        console.print(f"{len(rows)} need attention")


@app.command("requeue-notice")
def requeue_notice(callback_id: int = typer.Argument(..., min=1)) -> None:
    """Send a callback's dead notice or scheduling email again (after fixing the cause)."""
    from caredesk.callbacks import attention

    with run_command(), open_database() as db, db.uow() as uow:
        callback = attention.requeue_notice(uow, actor=OPERATOR, callback_id=callback_id)
        console.print(f"callback {callback.id} is {callback.status}; its message is queued again")


@app.command("slot")
def slot(
    callback_id: int = typer.Argument(..., min=1),
    choice: int = typer.Argument(
        None, min=1, max=10, help="The number of the time the customer chose, if they chose."
    ),
    offer: list[str] = typer.Option(
        None,
        "--offer",
        help="A time to offer, START/END in ISO 8601 with an offset; repeat for several.",
    ),
    channel: ConsentChannel = typer.Option(ConsentChannel.EMAIL, help="How the customer chose."),
) -> None:
    """Service Assurance email requests: offer explicit times (a new scheduling email) and/or
    enter the time the customer chose; with both, the times are recorded and one chosen."""
    if not offer and choice is None:
        raise fail("give --offer START/END (times to offer) and/or the number of a chosen time")
    from caredesk.callbacks import slots

    with run_command(), open_database() as db, db.uow() as uow:
        offered = [slots.parse_slot(text) for text in offer] if offer else None
        callback = slots.offer_and_choose_slot(
            uow,
            actor=OPERATOR,
            runtime=_runtime(db),
            callback_id=callback_id,
            slots=offered,
            slot=choice,
            channel=channel,
        )
        if choice is None:
            for number, item in enumerate(callback.offered_slots or [], start=1):
                console.print(f"offered time {number}: {item['start']} to {item['end']}")
            console.print(f"callback {callback.id} waits for the customer to choose a time")
        else:
            console.print(f"callback {callback.id} is due {_when(callback.due_at)}")
