"""The leader's queues view (``/lead/queues``): each queue of the routing file now (callers
waiting and being offered, the longest wait, the estimate a caller joining now would hear, the
agents serving it by state, the "keep my place" callbacks held in line and those the policy put
off) and today in the leader's zone (answered, abandoned, service level against the queue's own
definition, how right the estimates told were, callbacks accepted, dialled, connected, expired
and cancelled), with the predictor each queue's callers are told by now and every predictor's
figures on today's same callers beside it. Refreshes live on agent
events, and every 15 seconds for what time alone changes (the longest wait)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from caredesk.db.session import UnitOfWork
from caredesk.policy.vocabulary import AgentState
from caredesk.reports.floor import state_label
from caredesk.reports.periods import period_of
from caredesk.reports.queue_callbacks import TODAY_KINDS
from caredesk.reports.queues import queues_now
from caredesk.routing.config import RoutingConfig
from caredesk.routing.wait import Predictor
from caredesk.web.deps import UoW
from caredesk.web.pages.lead_support import csv_response, lead_page, leader_zone
from caredesk.web.pages.routing import SignedLeader, page_router

router = page_router()
# The states a leader reads a queue's staffing by, in the order of the columns; the Not Ready
# reasons are added up into one.
SERVING = (
    AgentState.READY,
    AgentState.RESERVED,
    AgentState.TALKING,
    AgentState.AFTER_CALL_WORK,
)
NOT_READY = "not_ready"
# The predictors as a support lead reads them (the API and the CSV's `predictor` keep the codes).
PREDICTOR_NAMES = {
    Predictor.QL: "queue length",
    Predictor.QL_M: "queue length with give-ups",
    Predictor.LES: "last caller served",
    Predictor.HOL: "head of line",
    Predictor.LEARNED: "learned from this queue",
}


def _context(uow: UnitOfWork, routing: RoutingConfig, zone: str) -> dict[str, Any]:
    now = uow.clock.now()
    today = period_of(zone=zone, first=None, last=None, now=now)
    board = queues_now(uow, routing=routing, now=now, since=today.start, until=today.end)
    rows = []
    for item in board:
        states = item.agents
        not_ready = sum(count for state, count in states.items() if state.startswith("not_ready"))
        rows.append(
            {
                "item": item,
                "by_state": [
                    (s.value, state_label(s.value), states.get(s.value, 0)) for s in SERVING
                ],
                "not_ready": not_ready,
                "offline": states.get(AgentState.OFFLINE.value, 0),
            }
        )
    return {
        "rows": rows,
        "zone": zone,
        "today": today,
        "now": now,
        "predictor_names": PREDICTOR_NAMES,
    }


def _routing(request: Request) -> RoutingConfig:
    routing: RoutingConfig = request.app.state.routing
    return routing


@router.get("/lead/queues")
def lead_queues(request: Request, principal: SignedLeader, uow: UoW) -> Response:
    context = _context(uow, _routing(request), leader_zone(uow, principal))
    return lead_page(request, "lead/queues.html", "lead/_queues.html", context)


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


@router.get("/lead/queues.csv")
def lead_queues_csv(request: Request, principal: SignedLeader, uow: UoW) -> Response:
    context = _context(uow, _routing(request), leader_zone(uow, principal))
    header = (
        "queue", "title", "waiting", "offered_now", "longest_wait_seconds", "estimate_seconds",
        "predictor", "predictor_name",
        *(f"agents_{s.value}" for s in SERVING), "agents_not_ready", "agents_offline",
        "answered_today", "abandoned_today", "service_level", "service_level_target",
        "estimates_measured", "rase", "bias_seconds", "within_20",
        "callbacks_held", "callbacks_put_off", "callbacks_next_turn_at",
        "callbacks_awaiting_notice", *(f"callbacks_{kind}_today" for kind in TODAY_KINDS),
    )  # fmt: skip
    rows = []
    for row in context["rows"]:
        item = row["item"]
        told = item.estimate.predictor
        rows.append(
            (
                item.queue.name, item.queue.title, item.waiting, item.offered,
                _round(item.longest_wait_seconds, 1), _round(item.estimate.seconds, 1),
                told.value if told else "", PREDICTOR_NAMES[told] if told else "",
                *(count for _, _, count in row["by_state"]), row["not_ready"], row["offline"],
                item.today.answered, item.today.abandoned, _round(item.today.service_level, 4),
                item.queue.service_level.target, item.accuracy.count,
                _round(item.accuracy.rase, 4), _round(item.accuracy.bias_seconds, 1),
                _round(item.accuracy.within_20, 4),
                item.callbacks.held, item.callbacks.put_off_count,
                item.callbacks.next_turn_at.isoformat() if item.callbacks.next_turn_at else "",
                item.callbacks.awaiting_notice,
                *(item.callbacks.today[kind] for kind in TODAY_KINDS),
            )
        )  # fmt: skip
    return csv_response("queues", header, rows, now=context["now"])
