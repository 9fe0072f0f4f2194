"""`caredesk agent ...`: agents, their shifts and their state."""

from __future__ import annotations

import re
from datetime import time
from typing import TYPE_CHECKING

import typer

from caredesk.agents.roles import AgentRole
from caredesk.agents.shifts import WEEKDAYS, Shift
from caredesk.audit.actor import Actor
from caredesk.cli_support import (
    console,
    fail,
    lazy_module,
    listing,
    open_database,
    run_command,
    show_listing,
)
from caredesk.policy import AgentState, LineOfBusiness

if TYPE_CHECKING:
    from caredesk.agents import presence, queries, service
else:
    presence = lazy_module("caredesk.agents.presence")
    queries = lazy_module("caredesk.agents.queries")
    service = lazy_module("caredesk.agents.service")

app = typer.Typer(help="Agents: profiles, weekly shifts and state.", no_args_is_help=True)
OPERATOR = Actor.system("cli")
_SHIFT = re.compile(r"^(?P<day>[a-z]{3})\s{1,40}(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$")


@app.command("list")
def list_agents(
    lob: LineOfBusiness = typer.Option(None, "--lob", help="Only this line of business."),
    role: AgentRole = typer.Option(None, help="Only this role."),
    state: AgentState = typer.Option(None, help="Only agents in this state."),
    skill: str = typer.Option(None, help="Only agents with this skill."),
) -> None:
    """List agents."""
    with run_command(), open_database() as db, db.uow() as uow:
        # The platform line is whole too: a person dials it or pastes it into a command.
        table = listing(
            *("id", "login", "state", "lob", "role", "line", "zone", "name"),
            whole=("id", "login", "state", "line"),
        )
        for agent in queries.list_agents(
            uow, line_of_business=lob, role=role, state=state, skill=skill
        ):
            table.add_row(
                str(agent.id),
                agent.login,
                agent.state if agent.active else f"{agent.state} (inactive)",
                agent.line_of_business,
                agent.role,
                agent.platform_line,
                agent.time_zone,
                agent.name,
            )
        show_listing(console, table, none="no agents")


@app.command("create")
def create(
    login: str = typer.Argument(..., help="Login name."),
    name: str = typer.Option(..., "--name", help="Display name."),
    lob: LineOfBusiness = typer.Option(LineOfBusiness.CARE, "--lob", help="Line of business."),
    role: AgentRole = typer.Option(AgentRole.AGENT, help="agent, specialist, leader or admin."),
    zone: str = typer.Option(..., "--zone", help="IANA time zone, e.g. America/New_York."),
    line: str = typer.Option(..., "--line", help="Platform line dialled from (E.164)."),
    skill: list[str] = typer.Option([], "--skill", help="A skill tag; repeat for more."),
) -> None:
    """Create an agent; they start Offline."""
    with run_command(), open_database() as db, db.uow() as uow:
        agent = service.create_agent(
            uow,
            actor=OPERATOR,
            login=login,
            name=name,
            role=role,
            line_of_business=lob,
            time_zone=zone,
            platform_line=line,
            skills=skill,
        )
        console.print(f"created agent {agent.login} (id {agent.id}, {agent.line_of_business})")


@app.command("state")
def change_state(
    login: str = typer.Argument(..., help="The agent's login."),
    state: AgentState = typer.Argument(..., help="The state to move to."),
    reason: str = typer.Option(None, help="Why (kept in the state history)."),
) -> None:
    """Move an agent to another state (checked against the transition table)."""
    with run_command(), open_database() as db, db.uow() as uow:
        agent = service.get_agent_by_login(uow, login=login)
        previous = agent.state
        agent = presence.change_state(
            uow, actor=OPERATOR, agent_id=agent.id, state=state, reason=reason
        )
        console.print(f"{agent.login}: {previous} -> {agent.state}")


def _parse_shift(text: str) -> Shift:
    match = _SHIFT.match(text.strip().lower())
    if match is None or match["day"] not in WEEKDAYS:
        raise fail(f"shift {text!r}: write it as 'mon 09:00-17:00' (mon ... sun, 24-hour times)")
    try:
        start, end = (time.fromisoformat(match[key].zfill(5)) for key in ("start", "end"))
    except ValueError:
        raise fail(f"shift {text!r}: times run from 00:00 to 23:59") from None
    return Shift(WEEKDAYS.index(match["day"]), start, end)


@app.command("set-shifts")
def set_shifts(
    login: str = typer.Argument(..., help="The agent's login."),
    shifts: list[str] = typer.Argument(
        None, help="Shifts in the agent's zone, e.g. 'mon 09:00-17:00' 'fri 22:00-06:00'."
    ),
) -> None:
    """Replace an agent's weekly shifts (none given: clear them)."""
    parsed = [_parse_shift(text) for text in shifts or []]
    with run_command(), open_database() as db, db.uow() as uow:
        agent = service.get_agent_by_login(uow, login=login)
        schedule = service.replace_shifts(uow, actor=OPERATOR, agent_id=agent.id, shifts=parsed)
        console.print(f"{agent.login}: {len(schedule.shifts)} shifts in {schedule.time_zone}")


@app.command("shifts")
def show_shifts(login: str = typer.Argument(..., help="The agent's login.")) -> None:
    """Show an agent's weekly shifts, in their own time zone."""
    from rich.table import Table

    with run_command(), open_database() as db, db.uow() as uow:
        agent = service.get_agent_by_login(uow, login=login)
        schedule = service.get_schedule(uow, agent_id=agent.id)
        table = Table("day", "start", "end", "note", title=f"{agent.login} ({schedule.time_zone})")
        for shift in schedule.shifts:
            table.add_row(
                WEEKDAYS[shift.weekday],
                f"{shift.start:%H:%M}",
                f"{shift.end:%H:%M}",
                "ends next day" if shift.crosses_midnight else "",
            )
        console.print(table)
        now = uow.clock.now()
        if schedule.is_on_shift(now):
            ends = schedule.shift_end_after(now)
            local = ends.astimezone(schedule.zone) if ends else None
            console.print(f"on shift now, until {local:%a %H:%M %Z}" if local else "on shift now")
        else:
            starts = schedule.next_shift_start(now)
            if starts is not None:
                console.print(
                    f"off shift; next starts {starts.astimezone(schedule.zone):%a %H:%M %Z}"
                )
            else:
                console.print("no shifts")
