"""The routing configuration: skills, languages, business hours, queues and IVR menus.

Built from a mapping (a parsed TOML file, see `config_file`) and checked as a whole at start: a
bad value is refused with its dotted key named, unknown keys are refused so a typo never leaves
a default in force silently, and every name a rule points at (queue, menu, hours, skill) must
exist. The shipped default (`default_routing.toml`) is the customer guide's main line.

    [routing]        skills = [...], languages = ["en", "es"]
    [hours.<name>]   zone, monday = "08:00-22:00" ..., closed_on = [...], or always = true
    [queue_defaults] any queue key below except title, skill and extra_skills
    [queues.<name>]  title, skill, extra_skills, steps, priority_offset_seconds,
                     secondary_delay_seconds, strategy, hours, after_hours,
                     callback_offer_seconds, announce_every_seconds, service_level, overflow,
                     reservation_seconds, wrap_up_seconds, callback_mode,
                     callback_expiry_minutes
    [ivr]            entry, max_replays, no_input_seconds, fallback_queue, *_prompt
    [ivr.menus.<name>] prompt, options = [{digit, keywords, next | queue | action, ...}]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from caredesk.routing.config_ivr import IvrConfig, parse_ivr, parse_languages
from caredesk.routing.config_queues import (
    DEFAULT_KEYS,
    QueueConfig,
    check_queue_links,
    parse_queue,
)
from caredesk.routing.config_values import (
    RoutingConfigError,
    name_of,
    named_tables,
    string_list,
    table,
)
from caredesk.routing.hours import BusinessHours, parse_all_hours

__all__ = ["RoutingConfig", "RoutingConfigError", "parse_routing_config"]

_TOP_KEYS = frozenset({"routing", "hours", "queue_defaults", "queues", "ivr"})


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    skills: frozenset[str]
    languages: tuple[str, ...]
    hours: Mapping[str, BusinessHours]
    queues: Mapping[str, QueueConfig]
    ivr: IvrConfig

    def queue(self, name: str) -> QueueConfig:
        try:
            return self.queues[name]
        except KeyError:
            raise KeyError(f"no queue {name!r}") from None


def parse_routing_config(mapping: Mapping[str, Any]) -> RoutingConfig:
    """Validates a routing mapping into a RoutingConfig; RoutingConfigError names the key."""
    root = table(mapping, "", _TOP_KEYS)
    routing = table(root.get("routing", {}), "routing", frozenset({"skills", "languages"}))
    skill_names = string_list(routing.get("skills", []), "routing.skills")
    if not skill_names:
        raise RoutingConfigError("routing.skills", "needs at least one skill")
    skills = frozenset(name_of(skill, "routing.skills") for skill in skill_names)
    if len(skills) != len(skill_names):
        raise RoutingConfigError("routing.skills", "lists a skill twice")
    languages = parse_languages(routing.get("languages", ["en"]), "routing.languages")
    hours = parse_all_hours(root.get("hours", {}))
    defaults = table(root.get("queue_defaults", {}), "queue_defaults", DEFAULT_KEYS)
    queue_tables = named_tables(root.get("queues", {}), "queues")
    if not queue_tables:
        raise RoutingConfigError("queues", "needs at least one queue")
    queues = {
        name: parse_queue(name, entry, defaults, skills=skills, hours=hours, languages=languages)
        for name, entry in queue_tables.items()
    }
    check_queue_links(queues)
    if "ivr" not in root:
        raise RoutingConfigError("ivr", "missing (the menus callers walk)")
    ivr = parse_ivr(root["ivr"], frozenset(queues), languages)
    return RoutingConfig(
        skills=skills,
        languages=languages,
        hours=MappingProxyType(dict(hours)),
        queues=MappingProxyType(queues),
        ivr=ivr,
    )
