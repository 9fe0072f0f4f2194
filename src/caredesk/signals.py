"""Stopping a long-running command (the dispatcher, the mail catcher) on SIGTERM or Ctrl-C.

A signal handler runs in the main thread between two bytecodes, possibly while that thread is
inside ``Event.wait()`` holding the event's own (non-reentrant) lock; calling ``Event.set()``
right there would wait for that lock for ever, and the process would ignore every later signal.
The handler therefore only records the signal and hands ``set()`` to a short-lived thread, which
takes the lock once the main thread lets it go."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[list[str]]:
    """SIGTERM and SIGINT set ``stop`` while inside; the names of the signals received are
    collected in the list it yields. Outside the main thread (where Python cannot install a
    handler) it changes nothing."""
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        # Only flags: logging from inside a handler could interleave with a line being written.
        received.append(signal.Signals(signum).name)
        threading.Thread(target=stop.set, name="caredesk-stop", daemon=True).start()

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
