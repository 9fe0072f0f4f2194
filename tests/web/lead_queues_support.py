"""Queue callbacks for the leader's Queues page tests: a caller who takes "call me back, keep my
place" in the technical queue."""

from __future__ import annotations

from tests.api.test_inbound_routing import TECHNICAL, Floor
from tests.api.test_ivr_calls import answer
from tests.api.test_ivr_waits import to_queue


def takes_callback(floor: Floor, number: str) -> int:
    """A caller on a known account who takes "call me back, keep my place" in technical."""
    offered = to_queue(floor.client, floor.phone, number, *TECHNICAL)
    assert offered["phase"] == "offer", offered
    done = answer(floor.client, offered["id"], floor.phone, digit="1").json()
    assert done["result"]["outcome"] == "callback", done
    return int(done["result"]["callback_id"])
