"""Before the call: the calling window, the notice, the agent's state and line, dialing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from caredesk.callbacks.policy.case import Case, format_instant, hhmm
from caredesk.callbacks.policy.config import PolicyConfig
from caredesk.callbacks.policy.context import ConsentWindow
from caredesk.callbacks.policy.decision import (
    Blocker,
    FactValue,
    Rendered,
    RequiredStep,
    RuleResult,
    StepKind,
)
from caredesk.callbacks.policy.dialing import dial_string, is_international
from caredesk.callbacks.policy.rules.registry import PRE_CALL, failed, passed, per_lob, rule
from caredesk.callbacks.policy.vocabulary import AGENT_STATE_LABELS, AgentState
from caredesk.callbacks.policy.window import LocalWindow, consent_contains
from caredesk.callbacks.policy.zones import number_facts, zone_info

SECTION = "Before the call"
ACTION = Blocker.ACTION
FINAL = Blocker.FINAL
TIME = Blocker.TIME
_FOLLOW_UP = AgentState.NOT_READY_FOLLOW_UP
_AFTER_CALL_WORK = AgentState.AFTER_CALL_WORK
_CONFIRM_ZONE = (RequiredStep(StepKind.CONFIRM_ZONE),)
_SWITCH_STATE = (RequiredStep(StepKind.SWITCH_TO_FOLLOW_UP_STATE),)
_PLATFORM_LINE = (RequiredStep(StepKind.USE_PLATFORM_LINE),)


def _window_parameters(config: PolicyConfig) -> Mapping[str, object]:
    return {
        "window": per_lob(
            lambda lob: (
                LocalWindow(config.for_lob(lob).window_start, config.for_lob(lob).window_end).label
            )
        ),
        "window_kind": "half-open [start, end) local time, in every candidate zone",
    }


def _describe_consent(consent: ConsentWindow) -> str:
    if consent.start is not None and consent.end is not None:
        span = f"{format_instant(consent.start)} to {format_instant(consent.end)}"
    else:
        assert consent.local_start is not None and consent.local_end is not None
        span = f"{LocalWindow(consent.local_start, consent.local_end).label} {consent.zone}"
    return f"{span}, agreed by {consent.given_by} by {consent.channel}"


def _opens(case: Case, zone_key: str | None) -> tuple[str, FactValue]:
    upcoming = case.next_allowed
    if upcoming is None:
        return "; no instant within 400 days is inside it", None
    return f"; it opens {format_instant(upcoming, zone_key)}", upcoming.isoformat()


def _consented(case: Case, active: tuple[ConsentWindow, ...]) -> RuleResult:
    rule_id = "OB-WINDOW"
    now = case.now
    inside = [consent for consent in active if consent_contains(consent, now)]
    zones = case.zones.zones
    shown_zone = active[0].zone or (zones[0] if zones else None)

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {"consents": len(active), "zones": ", ".join(zones) or None}
        when = format_instant(now, shown_zone)
        if inside:
            agreed = _describe_consent(inside[0])
            return f"{when} is inside the window the customer agreed to ({agreed})", facts
        opens, facts["next_allowed_at"] = _opens(case, shown_zone)
        agreed = _describe_consent(active[0])
        return f"{when} is outside the window the customer agreed to ({agreed}){opens}", facts

    if inside:
        return passed(rule_id, explain)
    return failed(rule_id, explain, TIME if case.next_allowed is not None else FINAL)


@rule(
    "OB-WINDOW",
    title="Call between 09:00 and 20:00 in the customer's time zone unless they agreed otherwise",
    section=SECTION,
    steps=PRE_CALL,
    parameters=_window_parameters,
    time_rule=True,
)
def calling_window(case: Case) -> RuleResult | None:
    rule_id = "OB-WINDOW"
    rules = case.time_rules
    now = case.now
    if rules.consents:
        active = rules.active_consents(now)
        if active:
            return _consented(case, active)
    resolution = case.zones
    window = rules.window

    def facts() -> dict[str, FactValue]:
        return {
            "zones": ", ".join(resolution.zones) or None,
            "zone_source": resolution.source,
            "window": window.label,
        }

    if not resolution.zones:

        def unknown() -> Rendered:
            details = facts() | {"zone_problem": resolution.problem}
            sentence = f"the customer's time zone is unknown ({resolution.problem}); confirm it"
            return sentence, details

        return failed(rule_id, unknown, ACTION, _CONFIRM_ZONE)
    readings: list[tuple[str, datetime]] = []
    inside_all = True
    for key in resolution.zones:
        zone = zone_info(key)
        assert zone is not None
        local = now.astimezone(zone)
        readings.append((key, local))
        if inside_all and not window.contains(local.time()):
            inside_all = False

    def explain() -> Rendered:
        details = facts()
        for key, local in readings:
            details[f"local_time.{key}"] = hhmm(local)
        every = ""
        if len(readings) > 1:
            every = f" (it must hold in all {len(readings)} zones of {case.number})"
        if inside_all:
            shown = ", ".join(f"{hhmm(local)} {key}" for key, local in readings)
            verb = "is" if len(readings) == 1 else "are"
            return f"{shown} {verb} inside {window.label}{every}", details
        outside = [(key, local) for key, local in readings if not window.contains(local.time())]
        listed = ", ".join(f"{hhmm(local)} {key}" for key, local in outside)
        verb = "is" if len(outside) == 1 else "are"
        opens, details["next_allowed_at"] = _opens(case, outside[0][0])
        return f"{listed} {verb} outside {window.label}{every}{opens}", details

    if inside_all:
        return passed(rule_id, explain)
    return failed(rule_id, explain, TIME if case.next_allowed is not None else FINAL)


@rule(
    "OB-NOTIFY",
    title="Message the customer with the right template before calling",
    section=SECTION,
    steps=PRE_CALL,
    parameters=lambda config: {
        "default_template": config.default_template,
        "templates": {reason.value: name for reason, name in config.templates.items()},
    },
)
def notify(case: Case) -> RuleResult | None:
    rule_id = "OB-NOTIFY"
    callback = case.ctx.callback
    template = case.config.template_for(callback.reason, callback.origin)
    wanted = template.casefold()
    now = case.now
    sent = None
    for notification in callback.notifications:
        if notification.sent_at <= now and notification.template.casefold() == wanted:
            sent = notification
            break

    def explain() -> Rendered:
        if sent is not None:
            facts: dict[str, FactValue] = {
                "template": template,
                "sent_at": sent.sent_at.isoformat(),
            }
            return f'the "{template}" template was sent {format_instant(sent.sent_at)}', facts
        others = [n.template for n in callback.notifications if n.sent_at <= now]
        only = f" (only {', '.join(repr(name) for name in others)})" if others else ""
        return f'the "{template}" template has not been sent yet{only}', {"template": template}

    if sent is not None:
        return passed(rule_id, explain)
    return failed(rule_id, explain, ACTION, (RequiredStep(StepKind.SEND_TEMPLATE, template),))


@rule(
    "OB-STATE",
    title='Calls not tied to an active inbound call start from "Not Ready - Follow-Up"',
    section=SECTION,
    steps=PRE_CALL,
)
def agent_state(case: Case) -> RuleResult | None:
    rule_id = "OB-STATE"
    agent = case.ctx.agent
    dial = case.ctx.dial
    from_acw = (
        agent.state is _AFTER_CALL_WORK and dial is not None and dial.alternate_for_troubleshooting
    )
    ok = agent.on_inbound_call or agent.state is _FOLLOW_UP or from_acw

    def explain() -> Rendered:
        label = AGENT_STATE_LABELS[agent.state]
        facts: dict[str, FactValue] = {
            "agent_state": agent.state,
            "on_inbound_call": agent.on_inbound_call,
        }
        if agent.on_inbound_call:
            return "the call is tied to an active inbound call (Consult)", facts
        if agent.state is _FOLLOW_UP:
            return f"agent {agent.agent_id} is in {label}", facts
        if from_acw:
            return f"agent {agent.agent_id} calls the alternate number from {label}", facts
        return f"agent {agent.agent_id} is in {label}, not Not Ready - Follow-Up", facts

    if ok:
        return passed(rule_id, explain)
    return failed(rule_id, explain, ACTION, _SWITCH_STATE)


@rule(
    "OB-DEVICE",
    title="Never use a personal device; calls go through the platform voice gateway",
    section=SECTION,
    steps=PRE_CALL,
)
def platform_device(case: Case) -> RuleResult | None:
    rule_id = "OB-DEVICE"
    dial = case.ctx.dial
    if dial is None:
        return None
    platform = dial.platform_line

    def explain() -> Rendered:
        line = dial.originating_line or "(not recorded)"
        facts: dict[str, FactValue] = {"originating_line": line, "platform_line": platform}
        if platform:
            return f"line {line} belongs to the platform voice gateway", facts
        return f"line {line} is not a platform line; personal devices are never used", facts

    if platform:
        return passed(rule_id, explain)
    return failed(rule_id, explain, ACTION, _PLATFORM_LINE)


@rule(
    "OB-INTL",
    title="International calls need the team's permission; dial 011 + country code + number",
    section=SECTION,
    steps=PRE_CALL,
    parameters=lambda config: {
        "international_calling": per_lob(lambda lob: config.for_lob(lob).international_calling),
        "domestic_regions": sorted(config.domestic_regions),
    },
)
def international(case: Case) -> RuleResult | None:
    rule_id = "OB-INTL"
    dial = case.ctx.dial
    if dial is None:
        return None
    number = dial.number
    details = number_facts(number)
    lob = case.ctx.line_of_business
    if not details.valid:
        facts: dict[str, FactValue] = {"number": number, "region": details.region}
        return failed(rule_id, lambda: (f"{number} cannot be dialled", facts), FINAL)
    abroad = is_international(number, case.config.domestic_regions)
    permitted = case.lob_policy.international_calling

    def explain() -> Rendered:
        digits = dial_string(number)
        region = details.region
        facts: dict[str, FactValue] = {
            "number": number,
            "region": region,
            "dial_string": digits,
            "international": abroad,
            "permission": permitted,
        }
        if not abroad:
            return f"domestic number ({region}), dial {digits}", facts
        if permitted:
            return f"international number ({region}), {lob} may dial {digits}", facts
        return (
            f"{number} is international ({region}) and {lob} has no international calling "
            "permission; ask local leadership"
        ), facts

    if abroad and not permitted:
        return failed(rule_id, explain, FINAL)
    return passed(rule_id, explain)
