"""Shared helpers for the routing tests: a small valid configuration to change one key at a time."""

from __future__ import annotations

import copy
from typing import Any

import pytest

MINIMAL: dict[str, Any] = {
    "routing": {"skills": ["care", "billing"], "languages": ["en"]},
    "hours": {
        "day": {"zone": "America/New_York", "monday": "09:00-17:00", "tuesday": "09:00-17:00"},
        "always": {"always": True},
    },
    "queue_defaults": {
        "hours": "day",
        "after_hours": {"action": "voicemail", "message": {"en": "Closed."}},
    },
    "queues": {
        "care": {"skill": "care", "hours": "always"},
        "billing": {
            "skill": "billing",
            "steps": [
                {"after_seconds": 0, "min_level": 4},
                {"after_seconds": 30, "min_level": 2},
                {"after_seconds": 60, "min_level": 0},
            ],
        },
    },
    "ivr": {
        "entry": "main",
        "fallback_queue": "care",
        "invalid_prompt": {"en": "Sorry."},
        "no_input_prompt": {"en": "Nothing heard."},
        "fallback_prompt": {"en": "To care."},
        "connect_prompt": {"en": "Hold on."},
        "menus": {
            "main": {
                "prompt": {"en": "1 billing, 2 care."},
                "options": [
                    {"digit": "1", "keywords": ["billing"], "queue": "billing"},
                    {"digit": "2", "keywords": ["care"], "queue": "care"},
                ],
            }
        },
    },
}


@pytest.fixture
def minimal() -> dict[str, Any]:
    return copy.deepcopy(MINIMAL)
