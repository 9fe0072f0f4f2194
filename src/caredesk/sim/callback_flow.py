"""Queue callbacks in the twin: "call me back, keep my place", from the offer to the call.

A caller who takes the offer stays in line at its original arrival: the routing engine keeps
its place like any other contact's, and the caller no longer gives up (it is not waiting on the
line). At its turn (the engine gives it a Ready agent) the dial goes through the policy gate
(`dial_gate`) and, when allowed, the queue's `callback_mode` says who is called first, as on
the stored path (`inbound.queue_callbacks.take_turn`):
- agent-first: the agent is reserved, switches to Not Ready - Follow-Up and dials; busy through
  the ring, the customer answers (or not) after it;
- customer-first: the callback is released and the customer dialled with no agent held: the
  agent the turn came with is Ready again at its old place and takes the next contact. An
  answered customer needs an agent: they are next in line at the caller's original place, and
  wait on the line until one is free (as the stored path's released callback waits, due now,
  for the next agent who can take it); the twin counts them and how long they waited. An
  unanswered dial follows the gate as below; the voicemail OB-VOICEMAIL asks for is left by the
  dialer (no agent is on the call);
- the time rules refuse now (the window is closed in the customer's zone, attempts must be
  spaced): the agent goes back to Ready at its old place among idle agents, and the callback
  leaves the line and rejoins it, at its original place, at the instant the gate names; so a
  callback refused by OB-WINDOW at its turn is dialled when the window opens;
- unanswered: the attempt is recorded and the gate says when the next may be, or that the last
  allowed one is spent and a voicemail closes it (OB-ATTEMPTS, OB-VOICEMAIL);
- refused for good: it closes refused.
"""

from __future__ import annotations

from datetime import datetime

from caredesk.policy.context import Attempt
from caredesk.policy.vocabulary import AgentState, AttemptResult
from caredesk.routing.config_queues import CallbackMode
from caredesk.routing.service_level import Outcome
from caredesk.sim.base import SECOND, TwinCore, us
from caredesk.sim.dial_gate import GateAnswer, QueueCallback, Verdict
from caredesk.sim.model import SimAgent, SimContact

_FOLLOW_UP = AgentState.NOT_READY_FOLLOW_UP
_CUSTOMER_FIRST = CallbackMode.CUSTOMER_FIRST


class CallbackFlow(TwinCore):
    def to_callback(self, contact: SimContact, now: int) -> None:
        contact.callback = QueueCallback(
            callback_id=f"CB-{contact.id}",
            account_id=f"ACC-{contact.id}",
            number=contact.number,
            requested_at=self.at(now),
        )
        # What the caller heard is not scored: the wait that follows is a callback's. Its place
        # in line stays; it is no longer a caller waiting on the line (HOL).
        contact.estimate = None
        if contact.id in self.tokens:
            self.tokens[contact.id] = self.new_token()
        self.owed += 1
        self.note(now, "callback requested", contact)
        self.recorder.callbacks["requested"] += 1
        self.recorder.outcome(
            contact.arrival, contact.queue, Outcome.CALLBACK, (now - contact.arrival) / SECOND
        )

    def _ask_gate(self, contact: SimContact, agent: SimAgent, now: int) -> GateAnswer:
        callback = contact.callback
        assert callback is not None
        answer = self.gate.check(callback, agent.id, agent.shift, self.at(now))
        if answer.notice_sent:
            self.recorder.callbacks["notices"] += 1
        return answer

    def dial(self, contact: SimContact, agent: SimAgent, now: int) -> None:
        if contact.on_line:
            self._take_answered(contact, agent, now)
            return
        answer = self._ask_gate(contact, agent, now)
        verdict = answer.verdict
        if verdict is Verdict.DIAL and self.queues[contact.queue].callback_mode is _CUSTOMER_FIRST:
            self._dial_customer(contact, agent, now)
            return
        if verdict is Verdict.DIAL:
            self.engage(agent, now)
            self.state.set_state(agent.id, _FOLLOW_UP)
            agent.contact = contact
            agent.queue = contact.queue
            agent.started = now
            self.recorder.callbacks["dials"] += 1
            self.note(now, "dial", contact)
            ring = us(self.scenario.callbacks.ring_seconds)
            self.sched.at(now + max(1, ring), self._dial_ended, agent)
            return
        # The agent never started: back to Ready at its old place among idle agents.
        assert agent.idle_since is not None
        self.make_ready(agent, agent.idle_since)
        self._changed = True
        self._after_gate(contact, answer, now)

    def _after_gate(self, contact: SimContact, answer: GateAnswer, now: int) -> None:
        """A callback the gate did not let dial now: wait for the instant it names, or close."""
        verdict = answer.verdict
        if verdict is Verdict.WAIT:
            assert answer.until is not None
            self.recorder.waits[" ".join(answer.rules)] += 1
            self.note(now, f"gate: wait ({' '.join(answer.rules)})", contact)
            contact.waited_for_gate = True
            self.sched.at(max(now + 1, self.instant(answer.until)), self._rejoin, contact)
            return
        self._close(contact, "refused" if verdict is Verdict.REFUSED else "voicemail")

    def _close(self, contact: SimContact, how: str) -> None:
        self.note(self.sched.now, how, contact)
        assert contact.callback is not None
        self.gate.forget(contact.callback)
        contact.closed = True
        self.owed -= 1
        self.recorder.callbacks[how] += 1

    def _rejoin(self, contact: SimContact) -> None:
        """Back in line at the caller's original place."""
        now = self.sched.now
        self.note(now, "rejoined", contact)
        self.join(contact, contact.queue, contact.skill)
        self.route(now)

    def _dial_answered(self, contact: SimContact, started: datetime, now: int) -> bool:
        """Whether the customer answered; if so the attempt, the connection and the end of the
        callback's claim on the policy gate are recorded (both dial modes)."""
        callback = contact.callback
        assert callback is not None
        if self.rng["callbacks"].random() >= self.scenario.callbacks.answer:
            return False
        callback.attempts.append(Attempt(started, callback.number, AttemptResult.CONTACT))
        self.note(now, "connected", contact)
        self.recorder.connected(contact.arrival, (now - contact.arrival) / SECOND)
        if contact.waited_for_gate:
            self.recorder.callbacks["connected_after_wait"] += 1
        self.owed -= 1
        self.gate.forget(callback)
        return True

    def _dial_unanswered(
        self, contact: SimContact, agent: SimAgent, started: datetime, now: int
    ) -> GateAnswer:
        """The unanswered attempt recorded, and what the policy gate says next."""
        callback = contact.callback
        assert callback is not None
        callback.attempts.append(
            Attempt(started, callback.number, AttemptResult.NO_ANSWER, ended_at=self.at(now))
        )
        self.note(now, "unanswered", contact)
        return self._ask_gate(contact, agent, now)

    def _dial_ended(self, agent: SimAgent) -> None:
        now = self.sched.now
        contact = agent.contact
        assert contact is not None and contact.callback is not None
        started = self.at(agent.started)
        if self._dial_answered(contact, started, now):
            contact.closed = True
            self.talk(agent, contact, now)
            return
        answer = self._dial_unanswered(contact, agent, started, now)
        if answer.verdict is Verdict.VOICEMAIL:
            # The agent leaves the voicemail the last unanswered attempt calls for.
            self._close(contact, "voicemail")
            voicemail = us(self.scenario.callbacks.voicemail_seconds)
            agent.contact = None
            self.sched.at(now + max(1, voicemail), self.free, agent)
            return
        if answer.verdict is Verdict.DIAL:
            # Nothing asks to wait between attempts: try again at once, from the line.
            answer = GateAnswer(Verdict.WAIT, answer.decision, self.at(now + 1))
        self._after_gate(contact, answer, now)
        self.free(agent)

    # Customer-first: the customer is dialled before any agent is held for them.

    def _dial_customer(self, contact: SimContact, agent: SimAgent, now: int) -> None:
        """Released at its turn: the customer is dialled; the agent is not held for the ring."""
        assert agent.idle_since is not None
        self.make_ready(agent, agent.idle_since)
        self._changed = True
        contact.dialled = now
        contact.turn_agent = agent
        self.recorder.callbacks["dials"] += 1
        self.note(now, "dial", contact)
        ring = us(self.scenario.callbacks.ring_seconds)
        self.sched.at(now + max(1, ring), self._customer_dial_ended, contact)

    def _customer_dial_ended(self, contact: SimContact) -> None:
        now = self.sched.now
        callback = contact.callback
        agent = contact.turn_agent
        assert callback is not None and agent is not None
        started = self.at(contact.dialled)
        if self._dial_answered(contact, started, now):
            # On the line and needing an agent: next in line, at the caller's first place.
            contact.on_line = True
            contact.dialled = now
            self.join(contact, contact.queue, contact.skill)
            self.route(now)
            return
        answer = self._dial_unanswered(contact, agent, started, now)
        if answer.verdict is Verdict.VOICEMAIL:
            self._close(contact, "voicemail")
            return
        if answer.verdict is Verdict.DIAL:
            answer = GateAnswer(Verdict.WAIT, answer.decision, self.at(now + 1))
        self._after_gate(contact, answer, now)

    def _take_answered(self, contact: SimContact, agent: SimAgent, now: int) -> None:
        """An agent takes the customer-first callback whose customer is on the line."""
        waited = now - contact.dialled
        callbacks = self.recorder.callbacks
        callbacks["answered_for_agent"] += 1
        callbacks["agent_wait_us"] += waited
        if waited:
            callbacks["answered_waited"] += 1
        contact.on_line = False
        contact.closed = True
        self.note(now, "to agent", contact)
        self.engage(agent, now)
        self.talk(agent, contact, now)
