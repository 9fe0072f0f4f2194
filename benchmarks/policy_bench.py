"""Outbound-call policy throughput: evaluate() over a mix of realistic cases.

    PYTHONPATH=src python benchmarks/policy_bench.py            # 1,000,000 decisions
    PYTHONPATH=src python benchmarks/policy_bench.py --n 100000

Builds a pool of distinct cases up front (teams, numbers in one or many zones, account zones,
every step, attempt histories, consents, instants 2024-2030 with DST days over-represented), then
evaluates them round-robin on one core and prints decisions per second. Only evaluate() is timed.
"""

from __future__ import annotations

import argparse
import random
import time as clock
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as local_time

from caredesk.policy import (
    DEFAULT_CONFIG,
    Agent,
    AgentState,
    Attempt,
    AttemptResult,
    Callback,
    CallbackOrigin,
    CallbackOutcome,
    CallbackReason,
    CallerRole,
    CallProgress,
    ConsentChannel,
    ConsentWindow,
    ContactPoint,
    Customer,
    DialTarget,
    History,
    InboundCall,
    LineOfBusiness,
    Memo,
    Notification,
    PolicyContext,
    Shift,
    Step,
    WrapUp,
    evaluate,
)

# Area codes / prefixes by where they ring: single-zone US, multi-zone US, territories, abroad.
NUMBER_PREFIXES = (
    "+1303555",  # Denver
    "+1212555",  # New York
    "+1415555",  # Los Angeles
    "+1312555",  # Chicago
    "+1602555",  # Phoenix
    "+1808555",  # Honolulu
    "+1907555",  # Anchorage and Adak
    "+1208555",  # Boise and Los Angeles
    "+1701555",  # Denver and North Dakota
    "+1787555",  # Puerto Rico
    "+1671555",  # Guam
    "+1416555",  # Toronto (international permission)
    "+1800555",  # toll-free: no zone
    "+4479111",  # UK mobile
    "+3361234",  # France mobile
    "+4930123",  # Berlin
    "+7916123",  # Russian mobile: 16 zones
    "+6141234",  # Australian mobile: 8 zones
    "+5511987",  # Sao Paulo
)
ACCOUNT_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Indiana/Indianapolis",
    "America/Kentucky/Louisville",
    "Europe/London",
    "Australia/Lord_Howe",
)
STEP_WEIGHTS = {
    Step.DIAL: 40,
    Step.PLAN: 15,
    Step.CREATE: 5,
    Step.DISCLOSURE: 3,
    Step.VERIFY_NAME: 5,
    Step.VERIFY_PIN: 2,
    Step.OTP: 3,
    Step.PROOF: 3,
    Step.PAYMENT: 2,
    Step.TROUBLESHOOT: 4,
    Step.HANDOFF: 3,
    Step.WRAP_UP: 15,
}


def _instant(rng: random.Random) -> datetime:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    if rng.random() < 0.3:
        # Near a US DST change: second Sunday of March or first Sunday of November.
        year = rng.randint(2024, 2030)
        month, week = rng.choice(((3, 2), (11, 1)))
        first = datetime(year, month, 1, 7, tzinfo=UTC)
        sunday = first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (week - 1))
        return sunday + timedelta(minutes=rng.randint(-36 * 60, 36 * 60))
    return start + timedelta(seconds=rng.randrange(7 * 365 * 86400))


def build_case(rng: random.Random, numbers: list[str]) -> PolicyContext:
    now = _instant(rng)
    lob = rng.choice(list(LineOfBusiness))
    step = rng.choices(list(STEP_WEIGHTS), weights=list(STEP_WEIGHTS.values()))[0]
    number = rng.choice(numbers)
    callback_id = f"CB-{rng.randrange(10**6)}"
    origin = rng.choice(list(CallbackOrigin))
    reason = (
        rng.choice([*CallbackReason, None])
        if rng.random() < 0.1
        else (
            CallbackReason.DROPPED_CALL
            if origin is CallbackOrigin.DROPPED_CALL
            else CallbackReason.DEVICE_TROUBLESHOOTING
        )
    )
    attempts = tuple(
        Attempt(
            now - timedelta(minutes=30 * (i + 1)),
            number,
            rng.choice((AttemptResult.NO_ANSWER, AttemptResult.BUSY, AttemptResult.CONTACT)),
        )
        for i in range(rng.choice((0, 0, 1, 1, 2, 3)))
    )
    consents: list[ConsentWindow] = []
    if rng.random() < 0.25:
        owner = callback_id if rng.random() < 0.8 else "CB-other"
        if rng.random() < 0.5:
            begin = now + timedelta(minutes=rng.randint(-120, 2 * 24 * 60))
            consents.append(
                ConsentWindow(
                    owner,
                    "account holder",
                    now - timedelta(days=1),
                    ConsentChannel.PHONE,
                    start=begin,
                    end=begin + timedelta(minutes=rng.choice((30, 60, 120))),
                )
            )
        else:
            consents.append(
                ConsentWindow(
                    owner,
                    "account holder",
                    now - timedelta(days=1),
                    ConsentChannel.EMAIL,
                    local_start=local_time(rng.randint(6, 21), rng.choice((0, 30))),
                    local_end=local_time(rng.randint(0, 23), rng.choice((15, 45))),
                    zone=rng.choice(ACCOUNT_ZONES),
                    expires_at=now + timedelta(days=rng.randint(-1, 5)),
                )
            )
    template = "Dropped Call" if origin is CallbackOrigin.DROPPED_CALL else "Customer Callback"
    notifications = (
        (Notification(template, now - timedelta(minutes=5)),) if rng.random() < 0.8 else ()
    )
    shift_start = now.replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=rng.randint(0, 9)
    )
    memo = Memo(
        reason="Dropped call follow-up",
        ticket_numbers=("T-1001",) if rng.random() < 0.3 else (),
        summary=rng.choice(
            (
                "Walked the customer through the network reset; service restored.",
                "n/a",
                "Customer read PIN 4821 to confirm; advised not to share it.",
            )
        ),
        customer_response="Confirmed the fix works and has no further concerns.",
    )
    return PolicyContext(
        now=now,
        step=step,
        line_of_business=lob,
        caller_role=rng.choice(list(CallerRole)),
        agent=Agent(
            "agent-1",
            rng.choice(
                (
                    AgentState.NOT_READY_FOLLOW_UP,
                    AgentState.NOT_READY_FOLLOW_UP,
                    AgentState.READY,
                    AgentState.TALKING,
                )
            ),
            inbound_call=InboundCall("9001", "agent-1") if rng.random() < 0.1 else None,
            shift=Shift(shift_start, shift_start + timedelta(hours=8)),
        ),
        customer=Customer(
            "ACC-1",
            zone=rng.choice(ACCOUNT_ZONES) if rng.random() < 0.5 else None,
            contact_points=(ContactPoint(number),),
        ),
        callback=Callback(
            callback_id,
            reason,
            origin,
            ticket_numbers=("T-1001",) if rng.random() < 0.2 else (),
            due_at=now + timedelta(hours=rng.randint(-2, 12)),
            owner_agent_id="agent-1",
            attempts=attempts,
            notifications=notifications,
            consents=tuple(consents),
        ),
        history=History(customer_spoken_to=rng.random() < 0.9),
        dial=DialTarget(number, originating_line="gw-1", platform_line=rng.random() < 0.97),
        call=CallProgress(
            answered=True,
            disclosure_read=rng.random() < 0.8,
            name_verified=rng.random() < 0.8,
            otp_guidelines_followed=True,
            troubleshooting_device_being_called=rng.random() < 0.3,
            alternate_number_asked=True,
            voicemail_left=rng.random() < 0.5,
        ),
        wrap_up=WrapUp(memo=memo, outcome=CallbackOutcome.RESOLVED),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="decisions to evaluate")
    parser.add_argument("--pool", type=int, default=20_000, help="distinct cases to cycle")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also render every sentence and fact of every decision (as the API does)",
    )
    args = parser.parse_args()

    rng = random.Random(args.seed)
    numbers = [
        prefix + f"{rng.randrange(10**4):04d}" for prefix in NUMBER_PREFIXES for _ in range(100)
    ]
    pool = [build_case(rng, numbers) for _ in range(min(args.pool, args.n))]
    config = DEFAULT_CONFIG

    # First pass: fills the per-number and per-zone-day caches a running service keeps warm.
    started = clock.perf_counter()
    refused_by: Counter[str] = Counter()
    for ctx in pool:
        refused_by.update(evaluate(ctx, config).failed_rule_ids)
    cold = clock.perf_counter() - started

    allowed = 0
    started = clock.perf_counter()
    if args.explain:
        for index in range(args.n):
            decision = evaluate(pool[index % len(pool)], config)
            decision.explain()
            for result in decision.failed + decision.passed:
                result.facts  # noqa: B018 - rendering is what is measured
            allowed += decision.allowed
    else:
        for index in range(args.n):
            allowed += evaluate(pool[index % len(pool)], config).allowed
    elapsed = clock.perf_counter() - started

    print(f"cases:       {len(pool):,} distinct (first pass, cold caches: {cold:.2f} s)")
    print(f"decisions:   {args.n:,}{' with every explanation rendered' if args.explain else ''}")
    print(f"elapsed:     {elapsed:.2f} s")
    print(f"throughput:  {args.n / elapsed:,.0f} decisions per second (one core)")
    print(f"mean:        {elapsed / args.n * 1e6:.1f} microseconds per decision")
    print(f"allowed:     {allowed / args.n:.1%}")
    top = ", ".join(f"{rule} {count}" for rule, count in refused_by.most_common(6))
    print(f"refused by:  {top}")


if __name__ == "__main__":
    main()
