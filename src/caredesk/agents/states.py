"""The agent state machine: which state may follow which, and the time spent in each.

Pure: no database, time is an argument.

Allowed transitions (anything not listed is refused, including a state "changing" to itself):

| from                | to                                                            |
|---------------------|---------------------------------------------------------------|
| offline             | ready, any not_ready_*                                        |
| ready               | reserved, talking, any not_ready_*, offline                   |
| reserved            | talking, ready, not_ready_follow_up, not_ready_missed_offer   |
| talking             | after_call_work                                               |
| after_call_work     | ready, any not_ready_*, talking                               |
| not_ready_follow_up | ready, other not_ready_*, offline, talking                    |
| not_ready_break     | ready, other not_ready_*, offline                             |
| not_ready_training  | ready, other not_ready_*, offline                             |
| not_ready_meeting   | ready, other not_ready_*, offline                             |
| not_ready_missed_offer | ready, not_ready_* (by hand), offline                      |

Why each row is what it is:
- offline: logging in lands in Ready or a Not Ready reason; an agent who is logged out cannot be
  offered (reserved) or be on a call.
- ready: a contact is offered (reserved) or connected directly (talking); the agent may step away
  (not ready) or log out.
- reserved: the offer is accepted (talking) or released (ready). A callback handed over by the
  dispatcher is dialled from Not Ready - Follow-Up (OB-STATE), so a reservation may move there.
  Logging out or going on a break while holding an offer would strand it: release it first.
- talking: every call ends in wrap-up (after-call work), so documentation always has its moment
  (OB-MEMO). A second call while talking is not a state change (consult/conference live on the
  call), so talking -> talking is refused.
- after_call_work: wrap-up ends in Ready or a Not Ready reason. It may also go straight to talking:
  OB-ALT-NUMBER has the agent move to ACW and dial the customer's alternate number. Logging out
  from ACW is refused so that wrap-up is finished (or parked in a Not Ready state) first.
- not_ready_missed_offer: routing puts a Reserved agent here when the offer ran out unanswered
  (the agent is likely away; offering the next caller would only miss again). Only routing
  moves an agent in; the agent comes back to Ready, picks a Not Ready reason, or logs out.
  It is not one of the Not Ready reasons an agent picks, so nothing else leads to it.
- not_ready_*: back to Ready, to another reason, or log out. Only Not Ready - Follow-Up may start
  a call: it is the state outbound calls are made from (OB-STATE); a break, training or meeting
  is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from caredesk.errors import InvalidTransition
from caredesk.policy import AgentState

NOT_READY = frozenset(
    {
        AgentState.NOT_READY_FOLLOW_UP,
        AgentState.NOT_READY_BREAK,
        AgentState.NOT_READY_TRAINING,
        AgentState.NOT_READY_MEETING,
    }
)


def _not_ready_except(state: AgentState) -> frozenset[AgentState]:
    return NOT_READY - {state}


ALLOWED_TRANSITIONS: Mapping[AgentState, frozenset[AgentState]] = {
    AgentState.OFFLINE: frozenset({AgentState.READY}) | NOT_READY,
    AgentState.READY: frozenset({AgentState.RESERVED, AgentState.TALKING, AgentState.OFFLINE})
    | NOT_READY,
    AgentState.RESERVED: frozenset(
        {
            AgentState.TALKING,
            AgentState.READY,
            AgentState.NOT_READY_FOLLOW_UP,
            AgentState.NOT_READY_MISSED_OFFER,
        }
    ),
    AgentState.TALKING: frozenset({AgentState.AFTER_CALL_WORK}),
    AgentState.AFTER_CALL_WORK: frozenset({AgentState.READY, AgentState.TALKING}) | NOT_READY,
    AgentState.NOT_READY_FOLLOW_UP: frozenset(
        {AgentState.READY, AgentState.OFFLINE, AgentState.TALKING}
    )
    | _not_ready_except(AgentState.NOT_READY_FOLLOW_UP),
    AgentState.NOT_READY_BREAK: frozenset({AgentState.READY, AgentState.OFFLINE})
    | _not_ready_except(AgentState.NOT_READY_BREAK),
    AgentState.NOT_READY_TRAINING: frozenset({AgentState.READY, AgentState.OFFLINE})
    | _not_ready_except(AgentState.NOT_READY_TRAINING),
    AgentState.NOT_READY_MEETING: frozenset({AgentState.READY, AgentState.OFFLINE})
    | _not_ready_except(AgentState.NOT_READY_MEETING),
    AgentState.NOT_READY_MISSED_OFFER: frozenset({AgentState.READY, AgentState.OFFLINE})
    | NOT_READY,
}

# Where a new agent starts: logged out.
INITIAL_STATE = AgentState.OFFLINE


def can_transition(current: AgentState, target: AgentState) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


def check_transition(current: AgentState, target: AgentState) -> None:
    """Raises InvalidTransition (field ``state``) naming both states when the move is refused."""
    if can_transition(current, target):
        return
    allowed = ", ".join(sorted(state.value for state in ALLOWED_TRANSITIONS.get(current, ())))
    raise InvalidTransition(
        f"an agent in {current.value} cannot move to {target.value}; from {current.value} the "
        f"allowed states are: {allowed}",
        field="state",
        extra={"from_state": current.value, "to_state": target.value},
    )


@dataclass(frozen=True)
class StateEntry:
    """The agent entered ``state`` at ``at`` (one row of the state history)."""

    state: AgentState
    at: datetime


def time_in_state(entries: Iterable[StateEntry], *, until: datetime) -> dict[AgentState, timedelta]:
    """Total time spent in each state: each entry lasts until the next one, the last until
    ``until``. Entries may come in any order; time after ``until`` is not counted."""
    ordered = sorted(entries, key=lambda entry: entry.at)
    totals: dict[AgentState, timedelta] = {}
    ends = [entry.at for entry in ordered[1:]] + ([until] if ordered else [])
    for entry, next_at in zip(ordered, ends, strict=True):
        end = min(next_at, until)
        if end > entry.at:
            totals[entry.state] = totals.get(entry.state, timedelta()) + (end - entry.at)
    return totals
