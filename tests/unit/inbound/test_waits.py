"""Which estimate a caller joining a queue hears, from what the queue's state gives: queue
length when agents and their handle time are known, head of line when only the first caller's
wait is, and the fallback sentence with neither."""

from __future__ import annotations

from caredesk.inbound.waits import estimate_wait
from caredesk.routing.announce import AnnouncementKind
from caredesk.routing.wait import Predictor, QueueView


def test_queue_length_first() -> None:
    told = estimate_wait(QueueView(ahead=2, agents=3, mean_handle_seconds=300, head_wait=400))
    assert (told.predictor, told.seconds) == (Predictor.QL, 300.0)
    assert (told.announcement.kind, told.announcement.minutes) == (AnnouncementKind.ABOUT, 5)
    assert told.told("en")["words"] == "Your estimated wait is about 5 minutes."


def test_a_free_agent_means_less_than_a_minute() -> None:
    told = estimate_wait(QueueView(ahead=0, agents=2, mean_handle_seconds=300, idle_agents=1))
    assert told.seconds == 0.0
    assert told.told("es")["words"] == "Su tiempo de espera estimado es de menos de un minuto."


def test_head_of_line_without_handle_times() -> None:
    told = estimate_wait(QueueView(ahead=1, agents=2, head_wait=150))
    assert (told.predictor, told.seconds) == (Predictor.HOL, 300.0)


def test_no_data_is_the_fallback() -> None:
    # Agents logged in and all busy, and no handle time known yet to make a figure of.
    for view in (QueueView(ahead=0, agents=2), QueueView(ahead=3, agents=1)):
        told = estimate_wait(view)
        assert (told.predictor, told.seconds) == (None, None)
        assert told.told("en")["kind"] == "fallback"
        assert told.told("en")["words"].startswith("All of our agents are helping")
        assert told.told("en")["minutes"] is None


def test_nobody_logged_in_is_said_so_not_that_every_agent_is_busy() -> None:
    for view in (QueueView(ahead=0, agents=0), QueueView(ahead=3, agents=0)):
        told = estimate_wait(view)
        assert (told.predictor, told.seconds) == (None, None)
        assert told.told("en")["kind"] == "nobody"
        assert told.told("en")["words"].startswith("No agent for this line is available")
        assert told.told("es")["words"].startswith("En este momento no hay ningún agente")
        assert "helping other customers" not in told.told("en")["words"]
