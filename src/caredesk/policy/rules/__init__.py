"""Every rule of the outbound-call catalogue, in catalogue order."""

from __future__ import annotations

from caredesk.policy.rules import (
    attempts,
    before_call,
    documentation,
    during_call,
    scope,
    service_assurance,
)
from caredesk.policy.rules.registry import Rule, registered

# The catalogue's order (shared/policy/outbound-rules.md); explanations list rules this way.
CATALOGUE_ORDER = (
    "OB-SCOPE-CUSTOMER",
    "OB-SCOPE-BULK",
    "OB-REASON",
    "OB-NO-CALL-DISCONNECT",
    "OB-NO-CALL-TIME",
    "OB-NO-ACTIVATION",
    "OB-NO-SALES",
    "OB-SPOKE-FIRST",
    "OB-LEADER-TICKET",
    "OB-WINDOW",
    "OB-NOTIFY",
    "OB-STATE",
    "OB-DEVICE",
    "OB-INTL",
    "OB-ATTEMPTS",
    "OB-ATTEMPTS-GLOBAL",
    "OB-VOICEMAIL",
    "OB-VERIFY-NAME",
    "OB-NO-SSN-PIN",
    "OB-OTP",
    "OB-DISCLOSURE",
    "OB-PROOF",
    "OB-NO-PAYMENT",
    "OB-ALT-NUMBER",
    "OB-MEMO",
    "OB-TICKET-UPDATE",
    "OB-SA-ORIGIN",
    "OB-SA-EMAIL-FIRST",
    "OB-SA-PREPARE",
    "OB-SA-ALTERNATIVE",
    "OB-SA-OWNERSHIP",
    "OB-SA-DOCS",
)

_modules = (attempts, before_call, documentation, during_call, scope, service_assurance)
_registered = registered()
if set(_registered) != set(CATALOGUE_ORDER):
    raise RuntimeError(
        f"rule registry and catalogue differ: {sorted(set(_registered) ^ set(CATALOGUE_ORDER))}"
    )
RULES: tuple[Rule, ...] = tuple(_registered[rule_id] for rule_id in CATALOGUE_ORDER)
RULES_BY_ID = {rule.rule_id: rule for rule in RULES}

__all__ = ["CATALOGUE_ORDER", "RULES", "RULES_BY_ID", "Rule"]
