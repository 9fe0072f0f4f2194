"""`caredesk policy`: check a case against the outbound-call rules, list the rules.

Exit codes of `check`: 0 allowed, 1 refused, 2 the case or policy file is unusable (one line on
stderr says what to change).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from caredesk import cli_support
from caredesk.callbacks.policy_file import ENV_VAR, PolicyFileError, load_policy
from caredesk.cli_support import console, err_console

# The rules, the engine and the case's classes are imported by the commands that use them:
# `caredesk policy --help` lists the commands without loading them.
if TYPE_CHECKING:
    from caredesk.policy import Decision, PolicyConfig, PolicyContext

app = typer.Typer(
    help="Outbound-call policy: check a case against the rules, list the rules.",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    JSON = "json"
    TABLE = "table"


POLICY_FILE = typer.Option(
    None,
    "--policy-file",
    envvar=ENV_VAR,
    dir_okay=False,
    help="Policy TOML file [default: config/policy.toml, else the handbook defaults].",
)
FORMAT = typer.Option(OutputFormat.TABLE, "--format", help="Output format.")


def _fail(message: str) -> NoReturn:
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def _config(policy_file: Path | None) -> PolicyConfig:
    try:
        return load_policy(policy_file)
    except PolicyFileError as error:
        _fail(f"policy file {error}")


def _read_case(path: Path) -> PolicyContext:
    from caredesk.policy import ContextError, context_from_json

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        _fail(f"{path}: cannot read it ({error.strerror or error})")
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as error:
        _fail(f"{path}: not valid JSON at line {error.lineno} column {error.colno}: {error.msg}")
    try:
        return context_from_json(document)
    except ContextError as error:
        _fail(f"{path}: {error.path}: {error.problem}")


def _print_decision(decision: Decision) -> None:
    from caredesk.callbacks.decision_output import print_decision

    print_decision(console, decision, when=lambda moment: moment.isoformat())


@app.command("check")
def check(
    case_file: Path = typer.Argument(..., metavar="CASE.json", help="The case to decide."),
    output: OutputFormat = FORMAT,
    policy_file: Path | None = POLICY_FILE,
) -> None:
    """Decide one case (JSON) and explain every rule; exit 0 allowed, 1 refused, 2 bad input."""
    from caredesk.policy import decision_to_json, evaluate

    config = _config(policy_file)
    decision = evaluate(_read_case(case_file), config)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(decision_to_json(decision), indent=2))
    else:
        _print_decision(decision)
    raise typer.Exit(code=0 if decision.allowed else 1)


@app.command("rules")
def rules(output: OutputFormat = FORMAT, policy_file: Path | None = POLICY_FILE) -> None:
    """List every rule ID with the parameters it currently uses."""
    from caredesk.policy import RULES, Step

    config = _config(policy_file)
    listing = [
        {
            "rule_id": rule.rule_id,
            "title": rule.title,
            "section": rule.section,
            "steps": [step.value for step in Step if step in rule.steps],
            "parameters": dict(rule.parameters(config)),
        }
        for rule in RULES
    ]
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(listing, indent=2))
        return
    table = cli_support.listing(
        "ID",
        "Rule",
        "Steps",
        "Parameters",
        whole=("ID",),
        title=f"{len(listing)} outbound-call rules",
    )
    for entry in listing:
        parameters = json.dumps(entry["parameters"], separators=(", ", ": "))
        table.add_row(
            str(entry["rule_id"]),
            str(entry["title"]),
            ", ".join(entry["steps"]),
            parameters if entry["parameters"] else "",
        )
    cli_support.show_listing(console, table, none="no rules")
