"""The secret finder's cost grows linearly with the text.

Cost is counted in interpreter line events (deterministic, unlike seconds): the cost per
character may grow by at most half while the text grows sixteenfold (a quadratic finder's grows
fourfold at the first step), for every adversarial shape. The old finder
paired every digit group with every other and took hours on ``"1 " * 10000``. Seconds are
benchmarks/pii_bench.py's business."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from caredesk.privacy import find_pii, scrub_text

# Repeated units that stress one rule each: digit groups joined by every separator, labels,
# fillers, chains, copulas, masks, card-sized groups, format characters, hash-like dollars.
ADVERSARIAL = {
    "spaced digits": "1 ",
    "dashed digits": "1-",
    "dotted digits": "1.",
    "card groups": "4111 ",
    "mixed groups": "12 3-45.",
    "one long number": "1",
    "pin labels": "pin ",
    "pin and fillers": "pin is the new ",
    "chained values": "pin 1234 or ",
    "copulas": "1234 is the ",
    "ssn shapes": "123-45-",
    "masks": "***-**-",
    "zero width": "1\u200b ",
    "fullwidth": "\uff11 ",
    "dollars": "$2b$",
}
SIZES = (100, 400, 1600)


def _line_events(function: Callable[[str], Any], text: str) -> int:
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        function(text)
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("function", [find_pii, scrub_text], ids=["find_pii", "scrub_text"])
@pytest.mark.parametrize("unit", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_cost_per_character_stays_flat(function: Callable[[str], Any], unit: str) -> None:
    per_character: list[float] = []
    for size in SIZES:
        text = unit * (size // len(unit))
        per_character.append(_line_events(function, text) / len(text))
        # Stop at the first super-linear step: the old finder would take minutes on the next.
        assert per_character[-1] <= 1.5 * per_character[0], per_character
