"""The IVR side of the SIP server's calls: each digit (from INFO or RTP) and each "no input"
goes to the `PhoneMenu` port, whose blocking work runs on one worker thread in the order the
events came; the answer is logged with the words a speaking server would play, and the call
then waits for a key (a timer sends "no input" after the menu's timeout), stays queued, or is
hung up on (our BYE, repeated until answered, RFC 3261 17.1.2) and the hang-up recorded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from caredesk.channels.voice.sip.calls import Address, Call, CallState
from caredesk.channels.voice.sip.menu import MenuAnswer, PhoneMenu

log = logging.getLogger("caredesk.sip")
T = TypeVar("T")
T1, T2, TIMER_B = 0.5, 4.0, 32.0
POLL_SECONDS = 2.0


class Walker:
    def __init__(
        self, menu: PhoneMenu, calls: dict[str, Call], send: Callable[[bytes, Address], None]
    ) -> None:
        self.menu = menu
        self.calls = calls
        self._send = send
        self._via: tuple[str, int] = ("127.0.0.1", 5060)
        self._byes: dict[str, asyncio.Task[None]] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="caredesk-sip")
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None

    def start(self, *, via: tuple[str, int]) -> None:
        """`via`: the address our requests name as theirs (what peers reach us at)."""
        self._via = via
        self._poller = asyncio.ensure_future(self._poll_ended())
        self._tasks.add(self._poller)

    async def stop(self) -> None:
        """Hangs up every live call and works through what is left."""
        for call in list(self.calls.values()):
            if call.state in (CallState.ANSWERED, CallState.CONFIRMED):
                await self.hang_up(call, reason="the server is stopping")
        await self.settled()
        for task in [*self._tasks, *self._byes.values()]:
            task.cancel()
        self._executor.shutdown(wait=True)

    async def settled(self) -> None:
        """Returns once every event taken so far has been worked through (for tests and for a
        stop that loses nothing)."""
        while True:
            busy = [task for task in self._tasks if task is not self._poller]
            if not busy:
                await self.run(lambda: None)
                if not [task for task in self._tasks if task is not self._poller]:
                    return
                continue
            await asyncio.wait(busy)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("sip event failed", exc_info=task.exception())

    async def run(self, work: Callable[..., T], *args: object, **kwargs: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: work(*args, **kwargs))

    def digit(self, call: Call, digit: str, source: str) -> None:
        if call.menu_call is None or call.walk_over or call.state is CallState.ENDED:
            # Keyed in a queue or after the end: nothing listens, and it may be a PIN.
            log.info("sip call %s: a key (%s) ignored, the walk is over", call.menu_call, source)
            return
        call.stop_no_input()
        self.spawn(self._step(call, "key", digit, source))

    async def _step(self, call: Call, kind: str, digit: str, source: str) -> None:
        assert call.menu_call is not None
        if kind == "key":
            answer = await self.run(self.menu.key, call.menu_call, digit)
            # A key the menu did not take may be anything the caller keyed: never logged.
            shown = digit if answer.accepted else "*"
            self.apply(call, answer, f"key {shown} ({source})")
        else:
            answer = await self.run(self.menu.no_input, call.menu_call)
            self.apply(call, answer, "no input")

    def _arm_no_input(self, call: Call) -> None:
        def fire() -> None:
            call.no_input = None
            if call.state is not CallState.ENDED and not call.walk_over:
                self.spawn(self._step(call, "no_input", "", "timer"))

        loop = asyncio.get_running_loop()
        call.no_input = loop.call_later(self.menu.no_input_seconds, fire)

    def apply(self, call: Call, answer: MenuAnswer, event: str) -> None:
        """One log line for the event, with the words a speaking server would play; then the
        call waits for a key, stays queued, or is hung up on."""
        where = answer.phase if answer.phase != "ended" else f"ended {answer.outcome}"
        queue = f" in {answer.queue}" if answer.queue and answer.phase == "ended" else ""
        log.info(
            "sip call %s: %s -> %s%s; says: %s",
            call.menu_call,
            event,
            where,
            queue,
            " / ".join(answer.say) or "-",
        )
        if call.state is CallState.ENDED:
            return
        call.stop_no_input()
        if answer.hang_up:
            self.spawn(self.hang_up(call, reason="the IVR has finished with the caller"))
        elif answer.waits_for_input:
            self._arm_no_input(call)
        else:
            call.walk_over = True

    def finish(self, call: Call) -> None:
        """The call is over on the wire; it is forgotten once no retransmission can come."""
        call.state = CallState.ENDED
        call.close_media()
        loop = asyncio.get_running_loop()
        loop.call_later(TIMER_B, self.calls.pop, call.sip_call_id, None)

    async def record_hang_up(self, call: Call) -> None:
        if call.menu_call is None or call.hung_up:
            return
        call.hung_up = True
        answer = await self.run(self.menu.hang_up, call.menu_call)
        log.info(
            "sip call %s ended: %s",
            call.menu_call,
            "abandoned in " + (answer.queue or "a queue")
            if answer.outcome == "queued"
            else answer.outcome or "hung up",
        )

    async def hang_up(self, call: Call, *, reason: str) -> None:
        """We end the call: BYE (repeated until answered, RFC 3261 17.1.2), and the hang-up
        recorded when caredesk has not ended it already."""
        if call.state is CallState.ENDED:
            return
        self.finish(call)
        branch, bye = call.bye(via_host=self._via[0], via_port=self._via[1])
        log.info("sip call %s: BYE sent (%s)", call.menu_call, reason)
        task = asyncio.ensure_future(self._repeat(bye, call.peer))
        self._byes[branch] = task
        task.add_done_callback(lambda _task: self._byes.pop(branch, None))
        await self.record_hang_up(call)

    async def _repeat(self, data: bytes, addr: Address) -> None:
        interval, waited = T1, 0.0
        while waited < TIMER_B:
            self._send(data, addr)
            await asyncio.sleep(interval)
            waited += interval
            interval = min(interval * 2, T2)

    def answered(self, branch: str) -> None:
        """A final response to one of our BYEs: it is not sent again."""
        task = self._byes.pop(branch, None)
        if task is not None:
            task.cancel()

    async def _poll_ended(self) -> None:
        """Queued calls an agent has since finished in caredesk are hung up here too."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            live = {
                call.menu_call: call
                for call in self.calls.values()
                if call.menu_call is not None and call.state is CallState.CONFIRMED
            }
            if not live:
                continue
            try:
                ended = await self.run(self.menu.ended, list(live))
            except Exception as error:
                # The store may be away for a moment; the calls are looked at again next time.
                log.warning("sip could not read which calls have ended: %s", error)
                continue
            for call_id in ended:
                call = live[call_id]
                call.hung_up = True
                await self.hang_up(call, reason="the call has ended in caredesk")
