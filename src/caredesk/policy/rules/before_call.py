"""Before the call: the calling window, the notice, the agent's state and line, dialing."""

from __future__ import annotations

from collections.abc import Mapping

from caredesk.policy.case import Case, WindowVerdict
from caredesk.policy.config import PolicyConfig
from caredesk.policy.context import ConsentWindow, DialTarget
from caredesk.policy.decision import (
    Blocker,
    FactValue,
    Rendered,
    RequiredStep,
    RuleResult,
    StepKind,
    verdict,
)
from caredesk.policy.dialing import NANP_COUNTRY_CODE, dial_string
from caredesk.policy.rules.registry import PRE_CALL, agent_words, per_lob, rule
from caredesk.policy.vocabulary import AGENT_STATE_LABELS, AgentState
from caredesk.policy.window import LocalWindow, consent_contains
from caredesk.policy.wording import format_instant, hhmm
from caredesk.policy.zones import NumberFacts, number_facts, zone_info

SECTION = "Before the call"
ACTION = Blocker.ACTION
FINAL = Blocker.FINAL
TIME = Blocker.TIME
_FOLLOW_UP = AgentState.NOT_READY_FOLLOW_UP
_AFTER_CALL_WORK = AgentState.AFTER_CALL_WORK
_CONFIRM_ZONE = (RequiredStep(StepKind.CONFIRM_ZONE),)
_SWITCH_STATE = (RequiredStep(StepKind.SWITCH_TO_FOLLOW_UP_STATE),)
_PLATFORM_LINE = (RequiredStep(StepKind.USE_PLATFORM_LINE),)
_OPEN = WindowVerdict.OPEN
_ZONE_UNKNOWN = WindowVerdict.ZONE_UNKNOWN


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
    entered = (
        f", entered by {consent.entered_by}"
        if consent.entered_by and consent.entered_by != consent.given_by
        else ""
    )
    return (
        f"{span}, agreed by {consent.given_by} by {consent.channel} at "
        f"{format_instant(consent.given_at)}{entered}"
    )


def _opens(case: Case, zone_key: str | None) -> tuple[str, FactValue]:
    upcoming = case.next_allowed
    if upcoming is None:
        return "; no instant within 400 days is inside it", None
    return f"; it opens {format_instant(upcoming, zone_key)}", upcoming.isoformat()


def _explain_consented(case: Case, active: tuple[ConsentWindow, ...]) -> Rendered:
    now = case.now
    inside = [consent for consent in active if consent_contains(consent, now)]
    zones = case.zones.zones
    shown_zone = active[0].zone or (zones[0] if zones else None)
    facts: dict[str, FactValue] = {"consents": len(active), "zones": ", ".join(zones) or None}
    when = format_instant(now, shown_zone)
    if inside:
        agreed = _describe_consent(inside[0])
        return f"{when} is inside the window the customer agreed to ({agreed})", facts
    opens, facts["next_allowed_at"] = _opens(case, shown_zone)
    agreed = _describe_consent(active[0])
    return f"{when} is outside the window the customer agreed to ({agreed}){opens}", facts


def _explain_window(case: Case) -> Rendered:
    rules = case.time_rules
    now = case.now
    if rules.consents:
        active = rules.active_consents(now)
        if active:
            return _explain_consented(case, active)
    resolution = case.zones
    window = rules.window
    facts: dict[str, FactValue] = {
        "zones": ", ".join(resolution.zones) or None,
        "zone_source": resolution.source,
        "window": window.label,
    }
    if not resolution.zones:
        sentence = f"the customer's time zone is unknown ({resolution.problem}); confirm it"
        return sentence, facts | {"zone_problem": resolution.problem}
    readings = []
    for key in resolution.zones:
        zone = zone_info(key)
        assert zone is not None
        readings.append((key, now.astimezone(zone)))
    for key, local in readings:
        facts[f"local_time.{key}"] = hhmm(local)
    every = ""
    if len(readings) > 1:
        every = f" (it must hold in all {len(readings)} zones of {case.number})"
    outside = [(key, local) for key, local in readings if not window.contains(local.time())]
    if not outside:
        shown = ", ".join(f"{hhmm(local)} {key}" for key, local in readings)
        verb = "is" if len(readings) == 1 else "are"
        return f"{shown} {verb} inside {window.label}{every}", facts
    listed = ", ".join(f"{hhmm(local)} {key}" for key, local in outside)
    verb = "is" if len(outside) == 1 else "are"
    opens, facts["next_allowed_at"] = _opens(case, outside[0][0])
    return f"{listed} {verb} outside {window.label}{every}{opens}", facts


def _outside(case: Case) -> RuleResult:
    """OB-WINDOW refuses: waiting helps unless no instant will ever do."""
    blocker = TIME if case.next_allowed is not None else FINAL
    return verdict("OB-WINDOW", False, _explain_window, case, blocker)


@rule(
    "OB-WINDOW",
    title="Call between 09:00 and 20:00 in the customer's time zone unless they agreed otherwise",
    section=SECTION,
    steps=PRE_CALL,
    parameters=_window_parameters,
    time_rule=True,
)
def calling_window(case: Case) -> RuleResult | None:
    window = case.window
    if window is _OPEN:
        return verdict("OB-WINDOW", True, _explain_window, case)
    if window is _ZONE_UNKNOWN:
        return verdict("OB-WINDOW", False, _explain_window, case, ACTION, _CONFIRM_ZONE)
    return _outside(case)


def _explain_notify(case: Case) -> Rendered:
    template = case.notice_template
    sent = case.notice
    # Times in the customer's zone, as OB-WINDOW gives them (UTC when it is not one known zone).
    known = case.zones.zones
    zone = known[0] if len(known) == 1 else None
    if sent is not None:
        facts: dict[str, FactValue] = {
            "template": template,
            "sent_at": sent.sent_at.isoformat(),
        }
        return f'the "{template}" template was sent {format_instant(sent.sent_at, zone)}', facts
    now = case.now
    queued = case.callback.notice_queued_for
    if queued is not None:
        # Queued by caredesk itself: nobody is to send it by hand, the call waits for it.
        goes = (
            f"to go {format_instant(queued, zone)}, shortly before the call"
            if queued > now
            else "to go now"
        )
        return (
            f'the "{template}" template is queued {goes}; the call waits for it',
            {"template": template, "queued_for": queued.isoformat()},
        )
    earlier = [n for n in case.callback.notifications if n.sent_at <= now]
    stale = [n for n in earlier if n.template.casefold() == template.casefold()]
    if stale:
        minutes = case.config.notice_valid_minutes
        when = format_instant(stale[-1].sent_at, zone)
        return (
            f'the "{template}" template was sent {when}, more than {minutes} minutes ago: it no '
            "longer announces this call; send it again",
            {"template": template, "sent_at": stale[-1].sent_at.isoformat()},
        )
    others = [n.template for n in earlier]
    only = f" (only {', '.join(repr(name) for name in others)})" if others else ""
    return f'the "{template}" template has not been sent yet{only}', {"template": template}


@rule(
    "OB-NOTIFY",
    title="Message the customer with the right template before calling",
    section=SECTION,
    steps=PRE_CALL,
    parameters=lambda config: {
        "notice_lead_minutes": config.notice_lead_minutes,
        "notice_valid_minutes": config.notice_valid_minutes,
        "default_template": config.default_template,
        "templates": {reason.value: name for reason, name in config.templates.items()},
    },
)
def notify(case: Case) -> RuleResult | None:
    if case.notice is not None:
        return verdict("OB-NOTIFY", True, _explain_notify, case)
    return verdict("OB-NOTIFY", False, _explain_notify, case, ACTION, case.notice_steps)


def _explain_agent_state(case: Case) -> Rendered:
    agent = case.agent
    dial = case.dial
    from_acw = (
        agent.state is _AFTER_CALL_WORK and dial is not None and dial.alternate_for_troubleshooting
    )
    label = AGENT_STATE_LABELS[agent.state]
    inbound = agent.inbound_call
    untied = agent.inbound_tie(case.now)
    facts: dict[str, FactValue] = {
        "agent_state": agent.state,
        "inbound_call_id": inbound.call_id if inbound else None,
        "tied_to_inbound_call": untied is None,
    }
    if untied is None:
        assert inbound is not None
        return (
            f"the call is tied to inbound call {inbound.call_id}, live with "
            f"{agent_words(agent.agent_id)} in {label} (Consult)"
        ), facts
    if untied:
        return (
            f"{untied}, so the call is not tied to an active inbound call; a call that is not "
            "starts from Not Ready - Follow-Up without naming one"
        ), facts
    if not agent.agent_id:  # a plan for whoever takes it
        return f"the agent who takes it dials from {label}", facts
    who = agent_words(agent.agent_id)
    if agent.state is _FOLLOW_UP:
        return f"{who} is in {label}", facts
    if from_acw:
        return f"{who} calls the alternate number from {label}", facts
    return f"{who} is in {label}, not Not Ready - Follow-Up", facts


@rule(
    "OB-STATE",
    title='Calls not tied to an active inbound call start from "Not Ready - Follow-Up"',
    section=SECTION,
    steps=PRE_CALL,
)
def agent_state(case: Case) -> RuleResult | None:
    agent = case.agent
    state = agent.state
    untied = agent.inbound_tie(case.now)
    if untied is None:
        return verdict("OB-STATE", True, _explain_agent_state, case)
    if untied:
        # An inbound call was named and the record does not bear the tie out: the dial is
        # refused as asked, whatever state the agent is in, so a tie is never taken on trust.
        return verdict("OB-STATE", False, _explain_agent_state, case, FINAL)
    if state is _FOLLOW_UP:
        return verdict("OB-STATE", True, _explain_agent_state, case)
    if state is _AFTER_CALL_WORK:
        dial = case.dial
        if dial is not None and dial.alternate_for_troubleshooting:
            return verdict("OB-STATE", True, _explain_agent_state, case)
    return verdict("OB-STATE", False, _explain_agent_state, case, ACTION, _SWITCH_STATE)


def _explain_platform_device(dial: DialTarget) -> Rendered:
    line = dial.originating_line
    platform = dial.platform_line
    facts: dict[str, FactValue] = {"originating_line": line or None, "platform_line": platform}
    if platform and not line:  # a plan for whoever takes it: their line is not known yet
        return "the call goes out on a line of the platform voice gateway", facts
    if platform:
        return f"line {line} belongs to the platform voice gateway", facts
    if not line:
        return (
            "the calling line is not known, so it is not shown to be a platform line; "
            "personal devices are never used"
        ), facts
    return f"line {line} is not a platform line; personal devices are never used", facts


@rule(
    "OB-DEVICE",
    title="Never use a personal device; calls go through the platform voice gateway",
    section=SECTION,
    steps=PRE_CALL,
)
def platform_device(case: Case) -> RuleResult | None:
    dial = case.dial
    if dial is None:
        return None
    if dial.platform_line:
        return verdict("OB-DEVICE", True, _explain_platform_device, dial)
    return verdict("OB-DEVICE", False, _explain_platform_device, dial, ACTION, _PLATFORM_LINE)


def _explain_international(case: Case) -> Rendered:
    dial = case.dial
    assert dial is not None
    number = dial.number
    details = number_facts(number)
    if not details.valid:
        return f"{number} cannot be dialled", {"number": number, "region": details.region}
    lob = case.lob
    abroad = _abroad(case, details)
    permitted = case.lob_policy.international_calling
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


def _abroad(case: Case, details: NumberFacts) -> bool:
    """is_international(number, domestic_regions), on the number's facts already at hand."""
    return (
        details.country_code != NANP_COUNTRY_CODE
        or details.region not in case.config.domestic_regions
    )


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
    dial = case.dial
    if dial is None:
        return None
    details = number_facts(dial.number)
    if not details.valid:
        return verdict("OB-INTL", False, _explain_international, case, FINAL)
    if not case.lob_policy.international_calling and _abroad(case, details):
        return verdict("OB-INTL", False, _explain_international, case, FINAL)
    return verdict("OB-INTL", True, _explain_international, case)
