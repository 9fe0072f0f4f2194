"""Normalising checks for agent fields, shared by the API schemas, the services and the CLI.

Each returns the stored form or raises ``ValueError`` with a sentence saying what is expected."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# Present in some zone databases but not a place anyone works.
_NOT_WORK_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_SKILL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
_LOGIN = re.compile(r"^[A-Za-z0-9_.@-]{2,80}$")
MAX_SKILLS = 50


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_WORK_ZONES


def check_time_zone(value: str) -> str:
    if value not in _known_zones():
        raise ValueError("is not an IANA time zone, e.g. America/New_York")
    return value


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(check_time_zone(name))


def normalise_platform_line(value: str) -> str:
    """The platform line an agent dials from (OB-DEVICE), stored as E.164. National numbers are
    read as US numbers."""
    if len(value) > 32:
        raise ValueError("is not a phone number")
    # Its metadata is loaded only when a number is checked, not by every command that reads agents.
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a phone number; give it in E.164, e.g. +18005550100") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number; give it in E.164, e.g. +18005550100")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_skills(values: list[str] | tuple[str, ...]) -> list[str]:
    """Lower-case skill tags (``billing``, ``device.android``), duplicates removed, sorted."""
    if len(values) > MAX_SKILLS:
        raise ValueError(f"at most {MAX_SKILLS} skills")
    skills = set()
    for value in values:
        skill = value.strip().lower()
        if not _SKILL.match(skill):
            raise ValueError(
                "each skill is 1 to 40 characters: letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        skills.add(skill)
    return sorted(skills)


MIN_LEVEL, MAX_LEVEL = 1, 10


def normalise_skill_levels(values: Mapping[str, int]) -> dict[str, int]:
    """Skill -> proficiency from 1 to 10, names normalised as ``normalise_skills`` does."""
    names = normalise_skills(list(values))
    levels: dict[str, int] = {}
    for raw, level in values.items():
        if isinstance(level, bool) or not isinstance(level, int):
            raise ValueError(f"the level of {raw!r} must be a whole number")
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            raise ValueError(f"the level of {raw!r} must be from {MIN_LEVEL} to {MAX_LEVEL}")
        levels[raw.strip().lower()] = level
    return {name: levels[name] for name in names}


def check_login(value: str) -> str:
    if not _LOGIN.match(value):
        raise ValueError("must be 2 to 80 characters: letters, digits, '_', '.', '@' or '-'")
    return value


def check_text(value: str) -> str:
    """Refuses control characters (NUL above all, which PostgreSQL cannot store)."""
    if any(unicodedata.category(char) == "Cc" and char not in "\n\t" for char in value):
        raise ValueError("must not contain control characters")
    return value
