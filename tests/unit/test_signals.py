"""A stop signal cannot deadlock the process it should stop (caredesk.signals)."""

from __future__ import annotations

import signal
import threading

from caredesk.signals import stop_on_signals


def test_a_signal_arriving_while_the_stop_event_is_locked_does_not_block() -> None:
    # The main thread may be inside stop.wait() holding the event's lock when the handler runs;
    # holding that lock here reproduces the moment. A handler that set the event itself would
    # wait for the lock for ever.
    stop = threading.Event()
    with stop_on_signals(stop) as received:
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        with stop._cond:  # type: ignore[attr-defined]
            calling = threading.Thread(target=handler, args=(signal.SIGTERM, None), daemon=True)
            calling.start()
            calling.join(timeout=10)
            assert not calling.is_alive(), "the handler waited for the event's lock"
            assert not stop.is_set()
        assert stop.wait(timeout=10)
        assert received == ["SIGTERM"]


def test_the_signal_stops_a_waiting_main_thread_and_the_old_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    stop = threading.Event()
    with stop_on_signals(stop) as received:
        signal.raise_signal(signal.SIGINT)
        while not stop.wait(0.05):
            pass
    assert received == ["SIGINT"]
    assert signal.getsignal(signal.SIGINT) is before


def test_outside_the_main_thread_nothing_is_installed() -> None:
    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def inside() -> None:
        with stop_on_signals(threading.Event()) as received:
            seen.append(signal.getsignal(signal.SIGTERM))
            seen.append(received)

    worker = threading.Thread(target=inside)
    worker.start()
    worker.join()
    assert seen == [before, []]
