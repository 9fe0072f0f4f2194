"""A policy decision on the command line, the same for `caredesk policy check` and
`caredesk callback why`: the verdict, every rule with its sentence, when the call may be made,
the zones read, the steps still owed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console

    from caredesk.policy import Decision


def print_decision(
    console: Console, decision: Decision, *, when: Callable[[datetime], str]
) -> None:
    verdict = Text("ALLOWED", style="green") if decision.allowed else Text("REFUSED", style="red")
    console.print(
        Text.assemble(
            verdict, "  step ", (decision.step, "bold"), f" at {when(decision.evaluated_at)}"
        )
    )
    table = Table("Rule", "Verdict", "Why")
    for result in decision.failed:
        table.add_row(result.rule_id, Text("blocked", style="red"), Text(result.sentence))
    for result in decision.passed:
        table.add_row(result.rule_id, Text("allowed", style="green"), Text(result.sentence))
    console.print(table)
    console.print(Text(f"Next allowed at: {_next_allowed(decision, when)}"))
    zones = ", ".join(f"{zone.zone} ({zone.source})" for zone in decision.zones)
    console.print(Text(f"Zones: {zones or 'unknown'}"))
    if decision.required_steps:
        console.print("Required steps:")
        for number, step in enumerate(decision.required_steps, start=1):
            console.print(Text(f"  {number}. {step.label}"))
    if decision.not_applicable:
        console.print(Text(f"Not applicable: {', '.join(decision.not_applicable)}", style="dim"))


def _next_allowed(decision: Decision, when: Callable[[datetime], str]) -> str:
    """The time, and the same in the customer's zone (the one the calling window is read in)
    when there is exactly one: "2026-12-01T14:00+00:00 (2026-12-01 09:00 America/New_York)"."""
    upcoming = decision.next_allowed_at
    if upcoming is None:
        return "no time will do"
    if len(decision.zones) != 1:
        return when(upcoming)
    from caredesk.policy.wording import format_instant
    from caredesk.policy.zones import zone_info

    zone = decision.zones[0].zone
    if zone_info(zone) is None:
        return when(upcoming)
    # As the rules' sentences give a time in the customer's zone.
    return f"{when(upcoming)} ({format_instant(upcoming, zone)})"
