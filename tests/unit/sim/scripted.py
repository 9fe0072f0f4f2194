"""Small hand-placed days for the twin's tests: one queue, a few agents, contacts by script."""

from __future__ import annotations

import tomllib
from typing import Any

from caredesk.sim.scenario import Scenario, parse_scenario

ONE_QUEUE = """
routing = "inline"

[routing_config.routing]
skills = ["care"]
languages = ["en"]

[routing_config.hours.always]
always = true

[routing_config.queues.main]
skill = "care"
hours = "always"
steps = [{ after_seconds = 0, min_level = 1 }]
callback_offer_seconds = false
wrap_up_seconds = 0
after_hours = { action = "message", message.en = "Closed." }

[routing_config.ivr]
entry = "main"
fallback_queue = "main"
invalid_prompt.en = "Sorry."
no_input_prompt.en = "Sorry."
fallback_prompt.en = "Connecting you."
connect_prompt.en = "Please hold."

[routing_config.ivr.menus.main]
prompt.en = "Press 1."
options = [{ digit = "1", queue = "main" }]
"""

NEW_YORK = "+12125550100"
HONOLULU = "+18085550100"


def scripted(
    contacts: list[dict[str, Any]],
    *,
    start: str = "2026-03-10T16:00:00Z",
    agents: int = 1,
    hours: float = 1.0,
    drain_hours: float = 2.0,
    queue: dict[str, Any] | None = None,
    **extra: Any,
) -> Scenario:
    """A scenario with `contacts` placed by hand ([[script]] entries) in the queue "main";
    `queue` overrides settings of that queue in the routing configuration."""
    data = tomllib.loads(ONE_QUEUE)
    data["routing_config"]["queues"]["main"].update(queue or {})
    data.update(
        {
            "start": tomllib.loads(f"start = {start}")["start"],
            "hours": hours,
            "drain_hours": drain_hours,
            "handle": {"shape": "fixed", "mean_seconds": 100},
            "agents": [
                {"name": "agent", "count": agents, "skills": {"care": 5}, "primary": ["main"]}
            ],
            "script": [{"queue": "main", **contact} for contact in contacts],
        }
    )
    data.update(extra)
    return parse_scenario(data, "scripted")
