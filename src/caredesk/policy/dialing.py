"""Dial strings from E.164 numbers (OB-INTL).

North American Numbering Plan numbers (+1) are dialled as their 10 digits. Everything else is
dialled 011 + country code + national number; the old outside-line 9 is no longer dialled.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

from caredesk.policy.zones import number_facts

NANP_COUNTRY_CODE = 1
INTERNATIONAL_PREFIX = "011"


class DialStringError(ValueError):
    """The number cannot be dialled; the message says why without guessing a fix."""


@lru_cache(maxsize=65536)
def dial_string(e164: str) -> str:
    facts = number_facts(e164)
    if not facts.valid:
        raise DialStringError(facts.zone_problem or f"{e164} is not a valid number")
    if facts.country_code == NANP_COUNTRY_CODE:
        return facts.national_number
    return f"{INTERNATIONAL_PREFIX}{facts.country_code}{facts.national_number}"


def is_international(e164: str, domestic_regions: Collection[str]) -> bool:
    """True when calling the number needs the international permission.

    Every +1 number outside `domestic_regions` (Canada, the Caribbean) counts as international even
    though it is dialled with 10 digits: the permission follows the destination, not the format.
    """
    facts = number_facts(e164)
    if facts.country_code != NANP_COUNTRY_CODE:
        return True
    return facts.region not in domestic_regions
