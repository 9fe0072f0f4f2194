"""Policy numbers: the handbook's values as defaults, per-team overrides, strict validation.

Layering for a team (line of business) and a key, first match wins:
  1. `[lob.<team>]` in the policy file,
  2. the handbook's own exception for that team (Global Care attempts once; Service Assurance
     has its extra callback reasons; Global Care holds the international permission),
  3. `[defaults]` in the policy file,
  4. the handbook's general value.
So changing `[defaults]` never silently removes a team exception the handbook wrote down.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType
from typing import Any

from caredesk.policy.vocabulary import (
    AgentState,
    CallbackOrigin,
    CallbackReason,
    LineOfBusiness,
)

GENERAL_REASONS = frozenset(
    {
        CallbackReason.DROPPED_CALL,
        CallbackReason.DEVICE_UNUSABLE,
        CallbackReason.DEVICE_TROUBLESHOOTING,
        CallbackReason.TICKET_UPDATE,
        CallbackReason.QUEUE_CALLBACK,
        CallbackReason.CUSTOMER_REQUESTED,
        CallbackReason.ACTIVATION,
        CallbackReason.SALES,
    }
)
SERVICE_ASSURANCE_REASONS = frozenset(
    {
        CallbackReason.TICKET_UPDATE,
        CallbackReason.TICKET_TROUBLESHOOTING,
        CallbackReason.EMAIL_REQUEST,
        CallbackReason.SHIFT_HANDOFF,
    }
)
# NANP regions dialled and billed as domestic; other +1 regions (Canada, the Caribbean) are
# dialled with 10 digits too but need the international permission.
DOMESTIC_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP"})
TRIVIAL_MEMO_VALUES = frozenset(
    {"n/a", "na", "none", "nil", "null", "-", "--", ".", "...", "?", "x", "tbd", "ok", "test"}
)


@dataclass(frozen=True, slots=True)
class LobPolicy:
    """The numbers that apply to one line of business."""

    window_start: time = time(9, 0)
    window_end: time = time(20, 0)
    max_attempts_without_contact: int = 2
    min_minutes_between_attempts: int = 15
    """OB-ATTEMPTS: after an attempt without contact the next waits at least this long."""
    international_calling: bool = False
    reasons: frozenset[CallbackReason] = GENERAL_REASONS


HANDBOOK_DEFAULTS = LobPolicy()
# The handbook sets no number; three tries is the usual limit for a knowledge check.
MAX_PIN_ATTEMPTS = 3
AFTER_WRAP_UP_STATES = (AgentState.NOT_READY_FOLLOW_UP, AgentState.READY)
# Enum members as module constants: reading one off its class costs more than the check.
_DROPPED_CALL_ORIGIN = CallbackOrigin.DROPPED_CALL
_DROPPED_CALL_REASON = CallbackReason.DROPPED_CALL
# Written as file-shaped values so they layer exactly like a policy file does.
HANDBOOK_EXCEPTIONS: Mapping[LineOfBusiness, Mapping[str, object]] = MappingProxyType(
    {
        LineOfBusiness.GLOBAL_CARE: {
            "max_attempts_without_contact": 1,
            "international_calling": True,
        },
        LineOfBusiness.SA_BTS: {"extra_reasons": sorted(SERVICE_ASSURANCE_REASONS)},
        LineOfBusiness.SA_ATS: {"extra_reasons": sorted(SERVICE_ASSURANCE_REASONS)},
    }
)


def _handbook_lobs() -> Mapping[LineOfBusiness, LobPolicy]:
    return _resolve_lobs({}, {})


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    lobs: Mapping[LineOfBusiness, LobPolicy] = field(default_factory=_handbook_lobs)
    default_template: str = "Customer Callback"
    templates: Mapping[CallbackReason, str] = field(
        default_factory=lambda: MappingProxyType({CallbackReason.DROPPED_CALL: "Dropped Call"})
    )
    domestic_regions: frozenset[str] = DOMESTIC_REGIONS
    spoke_first_exempt_origins: frozenset[CallbackOrigin] = frozenset(
        {CallbackOrigin.QUEUE_CALLBACK}
    )
    memo_min_chars: int = 5
    memo_trivial_values: frozenset[str] = TRIVIAL_MEMO_VALUES
    max_pin_attempts: int = MAX_PIN_ATTEMPTS
    """Failed PIN/passcode checks a callback may take (OB-NO-SSN-PIN's Service Assurance
    exception); after them the check is refused, so a short PIN cannot be guessed on a call."""
    after_wrap_up: AgentState = AgentState.NOT_READY_FOLLOW_UP
    """Where the agent goes once a callback is wrapped up: Not Ready - Follow-Up (the state the
    next outbound call is made from, OB-STATE) or Ready (back to inbound contacts)."""
    notice_lead_minutes: int = 10
    """OB-NOTIFY: the notice goes this long before the planned dial, inside the window."""
    notice_valid_minutes: int = 60
    """OB-NOTIFY: a notice older than this no longer announces a call; it is sent again."""

    def for_lob(self, lob: LineOfBusiness) -> LobPolicy:
        return self.lobs.get(lob, HANDBOOK_DEFAULTS)

    def template_for(self, reason: CallbackReason | None, origin: CallbackOrigin) -> str:
        """The message template that announces the call (OB-NOTIFY)."""
        if origin is _DROPPED_CALL_ORIGIN:
            reason = _DROPPED_CALL_REASON
        if reason is not None and reason in self.templates:
            return self.templates[reason]
        return self.default_template


class PolicyConfigError(ValueError):
    """A policy file value is wrong; `key` is its dotted path."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_LOB_KEYS = frozenset(
    {
        "window_start",
        "window_end",
        "max_attempts_without_contact",
        "min_minutes_between_attempts",
        "international_calling",
    }
)
MAX_ATTEMPT_GAP_MINUTES = 7 * 24 * 60
_TOP_KEYS = (
    "defaults",
    "lob",
    "templates",
    "dialing",
    "spoke_first",
    "memo",
    "verification",
    "agent_state",
    "notice",
)
MAX_NOTICE_MINUTES = 24 * 60


def _table(value: object, key: str, allowed: frozenset[str]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise PolicyConfigError(key, "must be a table")
    for name in value:
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise PolicyConfigError(f"{key}.{name}" if key else str(name), f"unknown key ({known})")
    return value


def _integer(value: object, key: str, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        if maximum is not None:
            raise PolicyConfigError(key, f"must be an integer from {minimum} to {maximum}")
        raise PolicyConfigError(key, f"must be an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise PolicyConfigError(key, f"must be an integer from {minimum} to {maximum}")
    return value


def _boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyConfigError(key, "must be true or false")
    return value


def _clock_time(value: object, key: str) -> time:
    if not isinstance(value, str) or _TIME.fullmatch(value) is None:
        raise PolicyConfigError(key, 'must be a 24-hour local time "HH:MM", e.g. "09:00"')
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyConfigError(key, "must be a non-empty string")
    return value


def _string_list(value: object, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PolicyConfigError(key, "must be a list of strings")
    return list(value)


def _reasons(value: object, key: str) -> frozenset[CallbackReason]:
    known = {reason.value for reason in CallbackReason}
    result = set()
    for item in _string_list(value, key):
        if item not in known:
            raise PolicyConfigError(
                key, f"unknown reason code {item!r} ({', '.join(sorted(known))})"
            )
        result.add(CallbackReason(item))
    return frozenset(result)


def _lob_policy(layers: list[tuple[str, Mapping[str, object]]]) -> LobPolicy:
    """Builds one team's numbers from layers, most specific first."""

    def pick(name: str) -> tuple[str, object] | None:
        for prefix, layer in layers:
            if name in layer:
                return f"{prefix}.{name}", layer[name]
        return None

    start = pick("window_start")
    end = pick("window_end")
    attempts = pick("max_attempts_without_contact")
    gap = pick("min_minutes_between_attempts")
    international = pick("international_calling")
    window_start = _clock_time(start[1], start[0]) if start else HANDBOOK_DEFAULTS.window_start
    window_end = _clock_time(end[1], end[0]) if end else HANDBOOK_DEFAULTS.window_end
    if window_end <= window_start:
        if end:
            raise PolicyConfigError(end[0], f"must be after window_start ({window_start:%H:%M})")
        where = start[0] if start else "window_start"
        raise PolicyConfigError(where, f"must be before window_end ({window_end:%H:%M})")
    reasons: set[CallbackReason] = set(HANDBOOK_DEFAULTS.reasons)
    # Walk from the general layer to the specific one so a team's list replaces the default.
    for prefix, layer in reversed(layers):
        if "reasons" in layer:
            reasons = set(_reasons(layer["reasons"], f"{prefix}.reasons"))
        if "extra_reasons" in layer:
            reasons |= _reasons(layer["extra_reasons"], f"{prefix}.extra_reasons")
    return LobPolicy(
        window_start=window_start,
        window_end=window_end,
        max_attempts_without_contact=(
            _integer(attempts[1], attempts[0], 1)
            if attempts
            else HANDBOOK_DEFAULTS.max_attempts_without_contact
        ),
        min_minutes_between_attempts=(
            _integer(gap[1], gap[0], 0, MAX_ATTEMPT_GAP_MINUTES)
            if gap
            else HANDBOOK_DEFAULTS.min_minutes_between_attempts
        ),
        international_calling=(
            _boolean(international[1], international[0])
            if international
            else HANDBOOK_DEFAULTS.international_calling
        ),
        reasons=frozenset(reasons),
    )


def _resolve_lobs(
    defaults: Mapping[str, object], lob_tables: Mapping[str, Mapping[str, object]]
) -> Mapping[LineOfBusiness, LobPolicy]:
    resolved: dict[LineOfBusiness, LobPolicy] = {}
    for lob in LineOfBusiness:
        layers: list[tuple[str, Mapping[str, object]]] = []
        if lob.value in lob_tables:
            layers.append((f"lob.{lob.value}", lob_tables[lob.value]))
        if lob in HANDBOOK_EXCEPTIONS:
            layers.append((f"(handbook exception for {lob.value})", HANDBOOK_EXCEPTIONS[lob]))
        layers.append(("defaults", defaults))
        resolved[lob] = _lob_policy(layers)
    return MappingProxyType(resolved)


def parse_policy_config(mapping: Mapping[str, Any]) -> PolicyConfig:
    """Validates a policy mapping (a parsed TOML file) into a PolicyConfig.

    Raises PolicyConfigError naming the dotted key at fault; unknown keys are refused so a typo
    never silently leaves a handbook value in force.
    """
    root = _table(mapping, "", frozenset(_TOP_KEYS))
    defaults = _table(root.get("defaults", {}), "defaults", _LOB_KEYS | {"reasons"})
    lob_root = _table(root.get("lob", {}), "lob", frozenset(lob.value for lob in LineOfBusiness))
    lob_tables = {
        name: _table(table, f"lob.{name}", _LOB_KEYS | {"reasons", "extra_reasons"})
        for name, table in lob_root.items()
    }
    lobs = _resolve_lobs(defaults, lob_tables)

    template_keys = frozenset({"default"} | {reason.value for reason in CallbackReason})
    templates_table = _table(root.get("templates", {}), "templates", template_keys)
    templates = {CallbackReason.DROPPED_CALL: "Dropped Call"}
    for name, value in templates_table.items():
        if name != "default":
            templates[CallbackReason(name)] = _text(value, f"templates.{name}")
    default_template = _text(
        templates_table.get("default", "Customer Callback"), "templates.default"
    )

    dialing = _table(root.get("dialing", {}), "dialing", frozenset({"domestic_regions"}))
    domestic = DOMESTIC_REGIONS
    if "domestic_regions" in dialing:
        regions = _string_list(dialing["domestic_regions"], "dialing.domestic_regions")
        for region in regions:
            if re.fullmatch(r"[A-Z]{2}", region) is None:
                raise PolicyConfigError(
                    "dialing.domestic_regions", f"{region!r} is not a two-letter region code"
                )
        domestic = frozenset(regions)

    spoke_first = _table(root.get("spoke_first", {}), "spoke_first", frozenset({"exempt_origins"}))
    exempt = frozenset({CallbackOrigin.QUEUE_CALLBACK})
    if "exempt_origins" in spoke_first:
        known = {origin.value for origin in CallbackOrigin}
        items = _string_list(spoke_first["exempt_origins"], "spoke_first.exempt_origins")
        for item in items:
            if item not in known:
                raise PolicyConfigError(
                    "spoke_first.exempt_origins",
                    f"unknown origin {item!r} ({', '.join(sorted(known))})",
                )
        exempt = frozenset(CallbackOrigin(item) for item in items)

    memo = _table(root.get("memo", {}), "memo", frozenset({"min_field_chars", "trivial_values"}))
    min_chars = _integer(memo.get("min_field_chars", 5), "memo.min_field_chars", 1)
    trivial = TRIVIAL_MEMO_VALUES
    if "trivial_values" in memo:
        trivial = frozenset(
            item.strip().lower()
            for item in _string_list(memo["trivial_values"], "memo.trivial_values")
        )

    verification = _table(
        root.get("verification", {}), "verification", frozenset({"max_pin_attempts"})
    )
    max_pin_attempts = _integer(
        verification.get("max_pin_attempts", MAX_PIN_ATTEMPTS), "verification.max_pin_attempts", 1
    )

    agent_state = _table(root.get("agent_state", {}), "agent_state", frozenset({"after_wrap_up"}))
    after_wrap_up = AgentState.NOT_READY_FOLLOW_UP
    if "after_wrap_up" in agent_state:
        value = agent_state["after_wrap_up"]
        names = [state.value for state in AFTER_WRAP_UP_STATES]
        if value not in names:
            raise PolicyConfigError(
                "agent_state.after_wrap_up", f"must be one of: {', '.join(names)}"
            )
        after_wrap_up = AgentState(str(value))

    notice = _table(root.get("notice", {}), "notice", frozenset({"lead_minutes", "valid_minutes"}))
    lead = _integer(notice.get("lead_minutes", 10), "notice.lead_minutes", 1, MAX_NOTICE_MINUTES)
    valid = _integer(
        notice.get("valid_minutes", max(60, lead)), "notice.valid_minutes", 1, MAX_NOTICE_MINUTES
    )
    if valid < lead:
        raise PolicyConfigError(
            "notice.valid_minutes", f"must be at least notice.lead_minutes ({lead})"
        )

    return PolicyConfig(
        lobs=lobs,
        default_template=default_template,
        templates=MappingProxyType(templates),
        domestic_regions=domestic,
        spoke_first_exempt_origins=exempt,
        memo_min_chars=min_chars,
        memo_trivial_values=trivial,
        max_pin_attempts=max_pin_attempts,
        after_wrap_up=after_wrap_up,
        notice_lead_minutes=lead,
        notice_valid_minutes=valid,
    )
