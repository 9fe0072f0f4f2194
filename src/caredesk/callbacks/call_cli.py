"""`caredesk call ...`: an agent's callback call from the command line, through the same services
as the API: dial (the dial gate runs), how the dial ended, the guided steps, hang up, the
voicemail after the last unanswered attempt, and the wrap-up with its memo. Services are
imported inside the commands so that `--help` loads no database code."""

from __future__ import annotations

from typing import Any

import typer

from caredesk.cli_support import console, fail, open_database, run_command

app = typer.Typer(
    help="The callback call: start, result, steps, hang up, voicemail, wrap-up.",
    no_args_is_help=True,
)
RESULTS = ("contact", "no_answer", "busy", "voicemail", "failed")
OUTCOMES = ("resolved", "voicemail_left", "follow_up_scheduled", "no_contact", "handed_off")
AGENT = typer.Option(..., "--agent", help="The agent on the call: login (care1) or id.")


def _one_of(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise fail(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _runtime(db: Any) -> Any:
    from caredesk.bootstrap import build_callback_runtime
    from caredesk.callbacks.policy_file import PolicyFileError
    from caredesk.config import get_settings

    try:
        return build_callback_runtime(get_settings(), db.clock, dispatching=False)
    except PolicyFileError as error:
        raise fail(f"policy file {error}") from None


def _actor() -> Any:
    from caredesk.audit.service import Actor

    return Actor.system("cli")


@app.command("start")
def start(
    callback_id: int = typer.Argument(..., min=1),
    agent: str = AGENT,
    number: str = typer.Option(None, help="Dial this number instead of the callback's."),
    inbound_call: int = typer.Option(
        None, min=1, help="The live inbound call (its id) the agent is Talking on and dials from."
    ),
) -> None:
    """Dial a callback offered to the agent, owned by them, or picked by hand. A refusal names
    the rules (`caredesk callback why` explains)."""
    from caredesk.callbacks.calls import start_call
    from caredesk.cli_refs import agent_id_for

    with run_command(), open_database() as db, db.uow() as uow:
        runtime = _runtime(db)
        attempt = start_call(
            uow,
            actor=_actor(),
            runtime=runtime,
            callback_id=callback_id,
            agent_id=agent_id_for(uow, agent),
            number=number,
            inbound_call_id=inbound_call,
        )
        console.print(
            f"callback {callback_id}: attempt {attempt.id} dialling {attempt.number}",
            markup=False,
        )


@app.command("result")
def result(
    callback_id: int = typer.Argument(..., min=1),
    outcome: str = typer.Argument(..., help=f"How the dial ended: {', '.join(RESULTS)}."),
    agent: str = AGENT,
    attempt: int = typer.Option(None, min=1, help="The attempt (default: the latest)."),
) -> None:
    """Record how the dial ended: contact puts the call in progress; anything else schedules the
    next attempt or, after the last one, asks for the voicemail."""
    _one_of(outcome, RESULTS, "RESULT")
    from caredesk.callbacks.attempts import (
        latest_attempt,
        record_attempt_result,
    )
    from caredesk.callbacks.queries import get_callback
    from caredesk.cli_refs import agent_id_for
    from caredesk.errors import NotFound

    with run_command(), open_database() as db, db.uow() as uow:
        runtime = _runtime(db)
        callback = get_callback(uow, callback_id=callback_id)
        if attempt is None:
            latest = latest_attempt(uow, callback)
            if latest is None:
                raise NotFound(f"callback {callback_id} has not been dialled", field="--attempt")
            attempt = latest.id
        row = record_attempt_result(
            uow,
            actor=_actor(),
            runtime=runtime,
            callback_id=callback_id,
            attempt_id=attempt,
            result=outcome,
            agent_id=agent_id_for(uow, agent),
        )
        callback = get_callback(uow, callback_id=callback_id)
        console.print(
            f"callback {callback_id}: attempt {row.id} {row.result}; callback {callback.status}",
            markup=False,
        )


@app.command("step")
def step(
    callback_id: int = typer.Argument(..., min=1),
    name: str = typer.Argument(..., help="verify_name, disclosure, proof, troubleshoot, ..."),
    agent: str = AGENT,
    field: list[str] = typer.Option(None, help="verify_name: a field asked; repeat."),
    name_mismatch: bool = typer.Option(False, help="verify_name: the name did not match."),
    proof: list[str] = typer.Option(None, help="proof: a fact offered; repeat."),
    ask_pin: bool = typer.Option(False, help="verify_pin: prompt for it (never an argument)."),
    account_change: str = typer.Option(None, help="otp: the change the code is for."),
    otp_guidelines_followed: bool = typer.Option(False, help="otp: the guidelines were read."),
    payment_raised_by: str = typer.Option(None, help="payment: customer or agent."),
    device_being_called: bool = typer.Option(
        False, help="troubleshoot: the device is on the call."
    ),
    alternate_number: str = typer.Option(
        None, help="alternate_number: the number to use; consult: the 10-digit number."
    ),
) -> None:
    """One guided-call step, checked by the policy and recorded; a refused step names its
    rules and is kept on the callback's timeline."""
    from caredesk.callbacks.inputs import StepInput
    from caredesk.callbacks.steps import record_step
    from caredesk.cli_refs import agent_id_for

    pin = typer.prompt("PIN", hide_input=True) if ask_pin else None
    with run_command(), open_database() as db, db.uow() as uow:
        runtime = _runtime(db)
        given = StepInput(
            callback_id=callback_id,
            step=name,
            agent_id=agent_id_for(uow, agent),
            fields=list(field) if field else None,
            name_matched=not name_mismatch,
            proof=list(proof) if proof else None,
            pin=pin,
            account_change=account_change,
            otp_guidelines_followed=otp_guidelines_followed,
            payment_raised_by=payment_raised_by,
            device_being_called=device_being_called,
            alternate_number=alternate_number,
        )
        outcome = record_step(uow, given, actor=_actor(), runtime=runtime)
        rules = ", ".join(outcome.event.rule_ids or [])
        console.print(
            f"callback {callback_id}: {outcome.step} {outcome.event.kind}"
            + (f" ({rules})" if rules else ""),
            markup=False,
        )
        if outcome.decision is not None:
            for number, required in enumerate(outcome.decision.required_steps, start=1):
                console.print(f"  {number}. {required.label}", markup=False)


@app.command("hangup")
def hangup(callback_id: int = typer.Argument(..., min=1), agent: str = AGENT) -> None:
    """End the call; the callback moves to wrap-up."""
    from caredesk.callbacks.attempts import (
        end_call,
    )
    from caredesk.cli_refs import agent_id_for

    with run_command(), open_database() as db, db.uow() as uow:
        runtime = _runtime(db)
        callback = end_call(
            uow,
            actor=_actor(),
            runtime=runtime,
            callback_id=callback_id,
            agent_id=agent_id_for(uow, agent),
        )
        console.print(f"callback {callback.id}: {callback.status}", markup=False)


@app.command("voicemail")
def voicemail(callback_id: int = typer.Argument(..., min=1), agent: str = AGENT) -> None:
    """Record the voicemail left after the last allowed attempt went unanswered."""
    from caredesk.callbacks.attempts import (
        leave_voicemail,
    )
    from caredesk.cli_refs import agent_id_for

    with run_command(), open_database() as db, db.uow() as uow:
        runtime = _runtime(db)
        callback = leave_voicemail(
            uow,
            actor=_actor(),
            runtime=runtime,
            callback_id=callback_id,
            agent_id=agent_id_for(uow, agent),
        )
        console.print(f"callback {callback.id}: voicemail recorded; {callback.status}")


@app.command("wrap-up")
def wrap_up(
    callback_id: int = typer.Argument(..., min=1),
    agent: str = AGENT,
    outcome: str = typer.Option(..., help=f"How it closes: {', '.join(OUTCOMES)}."),
    reason: str = typer.Option(..., help="The memo: why the call was made."),
    summary: str = typer.Option(..., help="The memo: what was said and done."),
    response: str = typer.Option("", "--response", help="The memo: the customer's response."),
    findings: str = typer.Option("", help="Ticket update: what was found."),
    actions: str = typer.Option("", help="Ticket update: what was done."),
    new_information: str = typer.Option("", help="Ticket update: anything new."),
) -> None:
    """Document the call (the account memo, the case update when linked) and close it."""
    _one_of(outcome, OUTCOMES, "--outcome")
    from caredesk.callbacks.inputs import WrapUp
    from caredesk.callbacks.wrapup import wrap_up
    from caredesk.cli_refs import agent_id_for

    with run_command(), open_database() as db, db.uow() as uow:
        runtime = _runtime(db)
        given = WrapUp(
            callback_id=callback_id,
            outcome=outcome,
            reason=reason,
            summary=summary,
            customer_response=response,
            findings=findings,
            actions_taken=actions,
            new_information=new_information,
            agent_id=agent_id_for(uow, agent),
        )
        callback = wrap_up(uow, given, actor=_actor(), runtime=runtime)
        console.print(
            f"callback {callback.id}: {callback.status} ({callback.outcome})", markup=False
        )
