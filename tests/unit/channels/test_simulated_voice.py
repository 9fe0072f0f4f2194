"""The simulated voice gateway: deterministic for a seed, honest about time, platform lines only."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from caredesk.channels.ports import CallEventKind, VoiceGateway
from caredesk.channels.voice.simulated import CallTiming, OutcomeWeights, SimulatedVoiceGateway
from caredesk.clock import FixedClock
from caredesk.errors import NotFound, PolicyRefused, ValidationFailed

T0 = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
LINE = "+12065550100"
CUSTOMER = "12065550199"


def gateway(
    seed: int = 7, clock: FixedClock | None = None, **kwargs: object
) -> SimulatedVoiceGateway:
    return SimulatedVoiceGateway(clock or FixedClock(T0), lines=[LINE], seed=seed, **kwargs)  # type: ignore[arg-type]


def everything(gw: SimulatedVoiceGateway, call_id: str) -> list[tuple[CallEventKind, datetime]]:
    far = T0 + timedelta(days=1)
    return [(event.kind, event.at) for event in gw.poll(call_id, now=far)]


def test_it_implements_the_port() -> None:
    port: VoiceGateway = gateway()
    assert port.platform_lines() == frozenset({LINE})


def test_same_seed_same_calls() -> None:
    first, second = gateway(seed=42), gateway(seed=42)
    refs = [f"attempt-{n}" for n in range(30)]
    a = [everything(first, first.dial(CUSTOMER, from_line=LINE, call_ref=r)) for r in refs]
    b = [everything(second, second.dial(CUSTOMER, from_line=LINE, call_ref=r)) for r in refs]
    assert a == b
    other = gateway(seed=43)
    c = [everything(other, other.dial(CUSTOMER, from_line=LINE, call_ref=r)) for r in refs]
    assert a != c


def test_outcome_does_not_depend_on_dial_order() -> None:
    forward, backward = gateway(seed=5), gateway(seed=5)
    refs = [f"r{n}" for n in range(10)]
    ahead = {
        r: forward.outcome_of(forward.dial(CUSTOMER, from_line=LINE, call_ref=r)) for r in refs
    }
    behind = {
        r: backward.outcome_of(backward.dial(CUSTOMER, from_line=LINE, call_ref=r))
        for r in reversed(refs)
    }
    assert ahead == behind


def test_events_are_revealed_as_time_passes() -> None:
    clock = FixedClock(T0)
    gw = gateway(clock=clock, outcomes=OutcomeWeights(1, 0, 0, 0, 0))
    call_id = gw.dial(CUSTOMER, from_line=LINE, call_ref="a1")
    assert gw.poll(call_id) == []  # nothing has happened at the dial instant
    timeline = gw.poll(call_id, now=T0 + timedelta(days=1))
    assert [event.kind for event in timeline] == [
        CallEventKind.RINGING,
        CallEventKind.ANSWERED,
        CallEventKind.ENDED,
    ]
    assert timeline[0].at < timeline[1].at < timeline[2].at
    clock.set(timeline[1].at)
    assert [event.kind for event in gw.poll(call_id)] == [
        CallEventKind.RINGING,
        CallEventKind.ANSWERED,
    ]
    # Timing bounds from the defaults: setup 0.5-2 s, ringing 4-20 s.
    assert timedelta(seconds=0.5) <= timeline[0].at - T0 <= timedelta(seconds=2)
    assert timedelta(seconds=4) <= timeline[1].at - timeline[0].at <= timedelta(seconds=20)


@pytest.mark.parametrize(
    ("weights", "kinds"),
    [
        (OutcomeWeights(0, 1, 0, 0, 0), [CallEventKind.RINGING, CallEventKind.NO_ANSWER]),
        (OutcomeWeights(0, 0, 1, 0, 0), [CallEventKind.BUSY]),
        (OutcomeWeights(0, 0, 0, 1, 0), [CallEventKind.RINGING, CallEventKind.MACHINE]),
        (OutcomeWeights(0, 0, 0, 0, 1), [CallEventKind.FAILED]),
    ],
)
def test_each_outcome_has_its_timeline(weights: OutcomeWeights, kinds: list[CallEventKind]) -> None:
    gw = gateway(outcomes=weights)
    call_id = gw.dial(CUSTOMER, from_line=LINE, call_ref="x")
    assert [kind for kind, _ in everything(gw, call_id)] == [*kinds, CallEventKind.ENDED]


def test_probabilities_are_roughly_honoured() -> None:
    weights = OutcomeWeights(answered=0.5, no_answer=0.2, busy=0.1, machine=0.15, failed=0.05)
    gw = gateway(seed=11, outcomes=weights)
    dials = 4000
    counts = Counter(
        gw.outcome_of(gw.dial(CUSTOMER, from_line=LINE, call_ref=f"c{n}")) for n in range(dials)
    )
    for kind, weight in weights.items():
        assert abs(counts[kind] / dials - weight) < 0.04, (kind, counts)


def test_a_personal_or_unknown_line_is_refused() -> None:
    gw = gateway()
    with pytest.raises(PolicyRefused) as caught:
        gw.dial(CUSTOMER, from_line="+12065550111", call_ref="r1")
    assert caught.value.field == "from_line"
    assert "OB-DEVICE" in caught.value.detail
    assert caught.value.extra == {"rule_ids": ["OB-DEVICE"]}
    # Nothing was dialled: the same ref from a real line starts the first call.
    assert gw.dial(CUSTOMER, from_line=LINE, call_ref="r1") == "sim-000001"


@pytest.mark.parametrize("dial_string", ["", "+12065550199", "206-555-0199", "123", "9" * 19])
def test_malformed_dial_strings_are_refused(dial_string: str) -> None:
    gw = gateway()
    with pytest.raises(ValidationFailed) as caught:
        gw.dial(dial_string, from_line=LINE, call_ref="r")
    assert caught.value.field == "dial_string"
    with pytest.raises(NotFound):
        gw.poll("sim-000001")


def test_international_dial_string_is_accepted() -> None:
    gw = gateway()
    assert gw.dial("011441632960000", from_line=LINE, call_ref="intl")


def test_call_ref_dials_once() -> None:
    gw = gateway()
    first = gw.dial(CUSTOMER, from_line=LINE, call_ref="attempt-1")
    assert gw.dial(CUSTOMER, from_line=LINE, call_ref="attempt-1") == first
    assert gw.dial(CUSTOMER, from_line=LINE, call_ref="attempt-2") != first
    with pytest.raises(ValidationFailed) as caught:
        gw.dial(CUSTOMER, from_line=LINE, call_ref="")
    assert caught.value.field == "call_ref"


def test_hangup_ends_the_call_now() -> None:
    clock = FixedClock(T0)
    gw = gateway(clock=clock, outcomes=OutcomeWeights(1, 0, 0, 0, 0))
    call_id = gw.dial(CUSTOMER, from_line=LINE, call_ref="h")
    answered_at = gw.poll(call_id, now=T0 + timedelta(days=1))[1].at
    clock.set(answered_at + timedelta(seconds=30))
    gw.hangup(call_id)
    gw.hangup(call_id)  # a second hangup changes nothing
    events = gw.poll(call_id, now=T0 + timedelta(days=1))
    assert [(e.kind, e.at) for e in events][-1] == (CallEventKind.ENDED, clock.now())
    assert [e.kind for e in events] == [
        CallEventKind.RINGING,
        CallEventKind.ANSWERED,
        CallEventKind.ENDED,
    ]


def test_hangup_after_the_end_keeps_the_timeline() -> None:
    clock = FixedClock(T0)
    gw = gateway(clock=clock, outcomes=OutcomeWeights(0, 0, 1, 0, 0))
    call_id = gw.dial(CUSTOMER, from_line=LINE, call_ref="b")
    before = gw.poll(call_id, now=T0 + timedelta(days=1))
    clock.advance(timedelta(minutes=5))
    gw.hangup(call_id)
    assert gw.poll(call_id) == before


def test_unknown_call_is_not_found() -> None:
    with pytest.raises(NotFound) as caught:
        gateway().hangup("sim-999999")
    assert caught.value.field == "call_id"


@pytest.mark.parametrize(
    "build",
    [
        lambda: OutcomeWeights(-1, 1, 1, 1, 1),
        lambda: OutcomeWeights(0, 0, 0, 0, 0),
        lambda: OutcomeWeights(float("nan"), 1, 1, 1, 1),
        lambda: CallTiming(ring_seconds=(10, 5)),
        lambda: CallTiming(setup_seconds=(-1, 1)),
        lambda: SimulatedVoiceGateway(FixedClock(T0), lines=[], seed=1),
        lambda: SimulatedVoiceGateway(FixedClock(T0), lines=["2065550100"], seed=1),
    ],
)
def test_bad_configuration_is_refused(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]
