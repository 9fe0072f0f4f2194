"""Queue callbacks in the twin: "call me back, keep my place", through the real policy gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caredesk.policy import AttemptResult
from caredesk.sim.twin import Twin

from .scripted import HONOLULU, NEW_YORK, scripted


def _steps(twin: Twin, contact_id: str) -> list[tuple[float, str]]:
    assert twin.journal is not None
    return [(at / 1e6, what) for at, what, who in twin.journal if who == contact_id]


def _first(twin: Twin, what: str) -> list[str]:
    """Contact ids in the order they first reached `what`."""
    assert twin.journal is not None
    order: list[str] = []
    for _, step, who in twin.journal:
        if step == what and who not in order:
            order.append(who)
    return order


def test_a_queue_callback_keeps_its_place_in_line() -> None:
    # One agent busy for ten minutes; s2 takes a callback, s3 stays on the line behind it.
    scenario = scripted(
        [
            {"at_seconds": 0, "handle_seconds": 600},
            {"at_seconds": 10, "asks_callback": True, "number": NEW_YORK, "handle_seconds": 100},
            {"at_seconds": 20},
            {"at_seconds": 30},
        ],
        callbacks={"answer": 1.0, "ring_seconds": 20},
    )
    twin = Twin(scenario, journal=True)
    figures = twin.run()
    # The callback is dialled at its turn (the agent frees at 600 s), before s3 and s4 who
    # waited on the line all along, and it connects after the ring.
    assert _steps(twin, "s2") == [
        (10.0, "arrived"),
        (10.0, "callback requested"),
        (600.0, "dial"),
        (620.0, "connected"),
    ]
    assert _first(twin, "answered") == ["s1", "s3", "s4"]
    assert _steps(twin, "s3")[-1] == (720.0, "answered")
    callback = twin.contacts["s2"].callback
    assert callback is not None
    # The gate asked for the announcing notice (OB-NOTIFY) first; it went at the dial.
    assert [n.template for n in callback.notices] == ["Customer Callback"]
    assert [a.result for a in callback.attempts] == [AttemptResult.CONTACT]
    assert figures.callbacks.requested == 1 and figures.callbacks.connected == 1
    # A callback is not offered, answered or abandoned: the service level leaves it out.
    assert figures.report.offered == 3 and figures.report.callbacks == 1


def test_a_callback_refused_by_ob_window_at_its_turn_is_dialled_when_the_window_opens() -> None:
    # 12:00 UTC is 08:00 in New York and 02:00 in Honolulu; 09:00 in Honolulu is 19:00 UTC.
    scenario = scripted(
        [
            {"at_seconds": 0, "handle_seconds": 60},
            {"at_seconds": 5, "asks_callback": True, "number": HONOLULU},
            {"at_seconds": 10, "handle_seconds": 60},
        ],
        start="2026-03-10T12:00:00Z",
        hours=0.1,
        drain_hours=8,
        callbacks={"answer": 1.0, "ring_seconds": 20},
    )
    twin = Twin(scenario, journal=True)
    figures = twin.run()
    opens = (datetime(2026, 3, 10, 19, 0, tzinfo=UTC) - scenario.start).total_seconds()
    assert _steps(twin, "s2") == [
        (5.0, "arrived"),
        (5.0, "callback requested"),
        (60.0, "gate: wait (OB-WINDOW)"),
        (opens, "rejoined"),
        (opens, "dial"),
        (opens + 20, "connected"),
    ]
    # Meanwhile the agent went on with the caller behind it.
    assert _steps(twin, "s3")[-1] == (60.0, "answered")
    assert figures.callbacks.waits == (("OB-WINDOW", 1),)
    assert figures.callbacks.connected_after_wait == 1 and figures.callbacks.pending == 0


def test_a_callback_nobody_answers_is_tried_again_after_the_spacing_then_gets_a_voicemail() -> None:
    # The agent is busy when s2 asks for its callback; nobody ever answers the dial.
    scenario = scripted(
        [
            {"at_seconds": 0, "handle_seconds": 100},
            {"at_seconds": 1, "asks_callback": True, "number": NEW_YORK},
        ],
        callbacks={"answer": 0.0, "ring_seconds": 30, "voicemail_seconds": 40},
    )
    twin = Twin(scenario, journal=True)
    figures = twin.run()
    spacing = 15 * 60  # OB-ATTEMPTS: attempts without contact at least 15 minutes apart
    assert _steps(twin, "s2")[2:] == [
        (100.0, "dial"),
        (130.0, "unanswered"),
        (130.0, "gate: wait (OB-ATTEMPTS)"),
        (130.0 + spacing, "rejoined"),
        (130.0 + spacing, "dial"),
        (160.0 + spacing, "unanswered"),
        (160.0 + spacing, "voicemail"),
    ]
    callback = twin.contacts["s2"].callback
    assert callback is not None
    assert [a.result for a in callback.attempts] == [AttemptResult.NO_ANSWER] * 2
    assert figures.callbacks.voicemail == 1 and figures.callbacks.dials == 2
    assert figures.callbacks.pending == 0 and figures.callbacks.connected == 0


def test_a_callback_still_refused_at_the_end_is_reported_as_owed() -> None:
    scenario = scripted(
        [
            {"at_seconds": 0, "handle_seconds": 60},
            {"at_seconds": 5, "asks_callback": True, "number": HONOLULU},
        ],
        start="2026-03-10T12:00:00Z",
        hours=0.1,
        drain_hours=1,
    )
    figures = Twin(scenario).run()
    assert figures.callbacks.pending == 1 and figures.callbacks.connected == 0
    assert figures.callbacks.waits == (("OB-WINDOW", 1),)
    assert timedelta(seconds=figures.simulated_seconds) >= timedelta(hours=1.1)


# The queue's callback_mode: who is called first when a queue callback's turn comes.

_ONE_BUSY_THEN_A_CALLBACK_AND_A_CALLER = [
    {"at_seconds": 0, "handle_seconds": 600},
    {"at_seconds": 10, "asks_callback": True, "number": NEW_YORK, "handle_seconds": 100},
    {"at_seconds": 20, "handle_seconds": 100},
]


def test_agent_first_holds_the_agent_through_the_ring() -> None:
    scenario = scripted(
        _ONE_BUSY_THEN_A_CALLBACK_AND_A_CALLER,
        callbacks={"answer": 1.0, "ring_seconds": 20},
        queue={"callback_mode": "agent_first"},
    )
    twin = Twin(scenario, journal=True)
    figures = twin.run()
    assert _steps(twin, "s2")[2:] == [(600.0, "dial"), (620.0, "connected")]
    # The caller behind waits through the ring and the callback's call.
    assert _steps(twin, "s3")[-1] == (720.0, "answered")
    assert figures.callbacks.to_agent == 0 and figures.callbacks.mean_wait_for_agent is None


def test_customer_first_dials_with_no_agent_held_and_the_answered_customer_waits_for_one() -> None:
    scenario = scripted(
        _ONE_BUSY_THEN_A_CALLBACK_AND_A_CALLER,
        callbacks={"answer": 1.0, "ring_seconds": 20},
        queue={"callback_mode": "customer_first"},
    )
    twin = Twin(scenario, journal=True)
    figures = twin.run()
    # At its turn (600 s) the customer is dialled and the agent takes the caller behind; the
    # customer answers at 620 s with no agent free, and is next when the agent is (700 s).
    assert _steps(twin, "s2")[2:] == [(600.0, "dial"), (620.0, "connected"), (700.0, "to agent")]
    assert _steps(twin, "s3")[-1] == (600.0, "answered")
    callbacks = figures.callbacks
    assert callbacks.dials == 1 and callbacks.connected == 1 and callbacks.pending == 0
    assert callbacks.to_agent == 1 and callbacks.waited_for_agent == 1
    assert callbacks.mean_wait_for_agent == 80.0
    callback = twin.contacts["s2"].callback
    assert callback is not None
    assert [a.result for a in callback.attempts] == [AttemptResult.CONTACT]
    assert [n.template for n in callback.notices] == ["Customer Callback"]


def test_customer_first_with_an_agent_free_on_answer_goes_straight_to_them() -> None:
    # Two agents; the second frees at 301 s, the callback's turn: nobody else waits.
    scenario = scripted(
        [
            {"at_seconds": 0, "handle_seconds": 600},
            {"at_seconds": 1, "handle_seconds": 300},
            {"at_seconds": 10, "asks_callback": True, "number": NEW_YORK},
        ],
        agents=2,
        callbacks={"answer": 1.0, "ring_seconds": 20},
        queue={"callback_mode": "customer_first"},
    )
    twin = Twin(scenario, journal=True)
    figures = twin.run()
    assert _steps(twin, "s3")[2:] == [(301.0, "dial"), (321.0, "connected"), (321.0, "to agent")]
    assert figures.callbacks.to_agent == 1 and figures.callbacks.waited_for_agent == 0
    assert figures.callbacks.mean_wait_for_agent == 0.0


def test_customer_first_unanswered_follows_the_gate_and_the_dialer_leaves_the_voicemail() -> None:
    scenario = scripted(
        [
            {"at_seconds": 0, "handle_seconds": 100},
            {"at_seconds": 1, "asks_callback": True, "number": NEW_YORK},
        ],
        callbacks={"answer": 0.0, "ring_seconds": 30, "voicemail_seconds": 40},
        queue={"callback_mode": "customer_first"},
    )
    twin = Twin(scenario, journal=True)
    figures = twin.run()
    spacing = 15 * 60  # OB-ATTEMPTS: attempts without contact at least 15 minutes apart
    assert _steps(twin, "s2")[2:] == [
        (100.0, "dial"),
        (130.0, "unanswered"),
        (130.0, "gate: wait (OB-ATTEMPTS)"),
        (130.0 + spacing, "rejoined"),
        (130.0 + spacing, "dial"),
        (160.0 + spacing, "unanswered"),
        (160.0 + spacing, "voicemail"),
    ]
    assert figures.callbacks.voicemail == 1 and figures.callbacks.dials == 2
    # No agent was held for the rings nor the voicemail: the agent worked s1's 100 s only.
    busy = sum((item.occupancy or 0) * item.staffed for item in figures.intervals) * 30 * 60
    assert busy == pytest.approx(100, abs=1e-6)
