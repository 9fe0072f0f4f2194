"""The outbound-call policy core: pure rules with stable IDs, evaluated into a Decision.

Imports only the standard library, zoneinfo and phonenumbers; time is an argument (`ctx.now`).
Every rule of shared/policy/outbound-rules.md is registered in RULES under its catalogue ID.

The names below are loaded on first use (PEP 562), so that a caller needing one small part (the
vocabulary, the secret finder) does not load every rule and the phone-number metadata.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caredesk.policy.codec import ContextError, context_from_json
    from caredesk.policy.config import (
        HANDBOOK_DEFAULTS,
        LobPolicy,
        PolicyConfig,
        PolicyConfigError,
        parse_policy_config,
    )
    from caredesk.policy.context import (
        Agent,
        Attempt,
        Callback,
        CallProgress,
        ConsentWindow,
        ContactPoint,
        Customer,
        DialTarget,
        History,
        InboundCall,
        Memo,
        Notification,
        PolicyContext,
        SchedulingEmail,
        Shift,
        TicketUpdate,
        WrapUp,
        ZoneConfirmation,
    )
    from caredesk.policy.decision import (
        Blocker,
        Decision,
        EffectiveZone,
        RequiredStep,
        RuleResult,
        StepKind,
        ZoneSource,
    )
    from caredesk.policy.dialing import DialStringError, dial_string, is_international
    from caredesk.policy.encode import context_to_json, decision_to_json
    from caredesk.policy.engine import DEFAULT_CONFIG, evaluate
    from caredesk.policy.memo import (
        MemoCheck,
        MemoProblem,
        PiiFinding,
        PiiKind,
        check_memo,
        find_pii,
        redact,
    )
    from caredesk.policy.notice import NoticePlan, plan_notice
    from caredesk.policy.ownership import sa_owner_keeps
    from caredesk.policy.rules import RULES, RULES_BY_ID, Rule
    from caredesk.policy.vocabulary import (
        AGENT_STATE_LABELS,
        SERVICE_ASSURANCE,
        AgentState,
        AttemptResult,
        CallbackOrigin,
        CallbackOutcome,
        CallbackReason,
        CallEnd,
        CallerRole,
        ConsentChannel,
        ContactProvenance,
        EmailItem,
        LineOfBusiness,
        PaymentRaisedBy,
        ProofFact,
        Step,
        VerificationField,
    )
    from caredesk.policy.window import LocalWindow, TimeRules, next_window_start
    from caredesk.policy.zones import ZoneResolution, resolve_zones, zones_for

# Each public name and the module that defines it.
_EXPORTS: dict[str, str] = {
    "AGENT_STATE_LABELS": "caredesk.policy.vocabulary",
    "Agent": "caredesk.policy.context",
    "AgentState": "caredesk.policy.vocabulary",
    "Attempt": "caredesk.policy.context",
    "AttemptResult": "caredesk.policy.vocabulary",
    "Blocker": "caredesk.policy.decision",
    "CallEnd": "caredesk.policy.vocabulary",
    "CallProgress": "caredesk.policy.context",
    "Callback": "caredesk.policy.context",
    "CallbackOrigin": "caredesk.policy.vocabulary",
    "CallbackOutcome": "caredesk.policy.vocabulary",
    "CallbackReason": "caredesk.policy.vocabulary",
    "CallerRole": "caredesk.policy.vocabulary",
    "ConsentChannel": "caredesk.policy.vocabulary",
    "ConsentWindow": "caredesk.policy.context",
    "ContactPoint": "caredesk.policy.context",
    "ContactProvenance": "caredesk.policy.vocabulary",
    "ContextError": "caredesk.policy.codec",
    "Customer": "caredesk.policy.context",
    "DEFAULT_CONFIG": "caredesk.policy.engine",
    "Decision": "caredesk.policy.decision",
    "DialStringError": "caredesk.policy.dialing",
    "DialTarget": "caredesk.policy.context",
    "EffectiveZone": "caredesk.policy.decision",
    "EmailItem": "caredesk.policy.vocabulary",
    "HANDBOOK_DEFAULTS": "caredesk.policy.config",
    "History": "caredesk.policy.context",
    "InboundCall": "caredesk.policy.context",
    "LineOfBusiness": "caredesk.policy.vocabulary",
    "LobPolicy": "caredesk.policy.config",
    "LocalWindow": "caredesk.policy.window",
    "Memo": "caredesk.policy.context",
    "MemoCheck": "caredesk.policy.memo",
    "MemoProblem": "caredesk.policy.memo",
    "NoticePlan": "caredesk.policy.notice",
    "Notification": "caredesk.policy.context",
    "PaymentRaisedBy": "caredesk.policy.vocabulary",
    "PiiFinding": "caredesk.policy.memo",
    "PiiKind": "caredesk.policy.memo",
    "PolicyConfig": "caredesk.policy.config",
    "PolicyConfigError": "caredesk.policy.config",
    "PolicyContext": "caredesk.policy.context",
    "ProofFact": "caredesk.policy.vocabulary",
    "RULES": "caredesk.policy.rules",
    "RULES_BY_ID": "caredesk.policy.rules",
    "RequiredStep": "caredesk.policy.decision",
    "Rule": "caredesk.policy.rules",
    "RuleResult": "caredesk.policy.decision",
    "SERVICE_ASSURANCE": "caredesk.policy.vocabulary",
    "SchedulingEmail": "caredesk.policy.context",
    "Shift": "caredesk.policy.context",
    "Step": "caredesk.policy.vocabulary",
    "StepKind": "caredesk.policy.decision",
    "TicketUpdate": "caredesk.policy.context",
    "TimeRules": "caredesk.policy.window",
    "VerificationField": "caredesk.policy.vocabulary",
    "WrapUp": "caredesk.policy.context",
    "ZoneConfirmation": "caredesk.policy.context",
    "ZoneResolution": "caredesk.policy.zones",
    "ZoneSource": "caredesk.policy.decision",
    "check_memo": "caredesk.policy.memo",
    "context_from_json": "caredesk.policy.codec",
    "context_to_json": "caredesk.policy.encode",
    "decision_to_json": "caredesk.policy.encode",
    "dial_string": "caredesk.policy.dialing",
    "evaluate": "caredesk.policy.engine",
    "find_pii": "caredesk.policy.memo",
    "is_international": "caredesk.policy.dialing",
    "next_window_start": "caredesk.policy.window",
    "parse_policy_config": "caredesk.policy.config",
    "plan_notice": "caredesk.policy.notice",
    "redact": "caredesk.policy.memo",
    "resolve_zones": "caredesk.policy.zones",
    "sa_owner_keeps": "caredesk.policy.ownership",
    "zones_for": "caredesk.policy.zones",
}

__all__ = [
    "AGENT_STATE_LABELS",
    "DEFAULT_CONFIG",
    "HANDBOOK_DEFAULTS",
    "RULES",
    "RULES_BY_ID",
    "SERVICE_ASSURANCE",
    "Agent",
    "AgentState",
    "Attempt",
    "AttemptResult",
    "Blocker",
    "CallEnd",
    "CallProgress",
    "Callback",
    "CallbackOrigin",
    "CallbackOutcome",
    "CallbackReason",
    "CallerRole",
    "ConsentChannel",
    "ConsentWindow",
    "ContactPoint",
    "ContactProvenance",
    "ContextError",
    "Customer",
    "Decision",
    "DialStringError",
    "DialTarget",
    "EffectiveZone",
    "EmailItem",
    "History",
    "InboundCall",
    "LineOfBusiness",
    "LobPolicy",
    "LocalWindow",
    "Memo",
    "MemoCheck",
    "MemoProblem",
    "NoticePlan",
    "Notification",
    "PaymentRaisedBy",
    "PiiFinding",
    "PiiKind",
    "PolicyConfig",
    "PolicyConfigError",
    "PolicyContext",
    "ProofFact",
    "RequiredStep",
    "Rule",
    "RuleResult",
    "SchedulingEmail",
    "Shift",
    "Step",
    "StepKind",
    "TicketUpdate",
    "TimeRules",
    "VerificationField",
    "WrapUp",
    "ZoneConfirmation",
    "ZoneResolution",
    "ZoneSource",
    "check_memo",
    "context_from_json",
    "context_to_json",
    "decision_to_json",
    "dial_string",
    "evaluate",
    "find_pii",
    "is_international",
    "next_window_start",
    "parse_policy_config",
    "plan_notice",
    "redact",
    "resolve_zones",
    "sa_owner_keeps",
    "zones_for",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
