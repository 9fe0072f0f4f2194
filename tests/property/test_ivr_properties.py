"""Properties of the IVR walker and the configuration checks.

(a) whatever a caller presses or says, the walk stays on configured menus, never counts more
    misses than the replay limit, records every input, and ends only with a route or an
    after-hours outcome;
(b) max_replays + 1 misses in a row from any menu end in the fallback queue;
(c) any junk value put at any key of the shipped file is either accepted or refused with a
    RoutingConfigError naming a key (never another exception).
"""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caredesk.routing.config import RoutingConfigError, parse_routing_config
from caredesk.routing.config_file import default_routing_config, default_routing_text
from caredesk.routing.ivr import CallerInput, InputKind, RouteReason, start, step

CONFIG = default_routing_config()
RAW = tomllib.loads(default_routing_text())
KEYWORDS = sorted({word for menu in CONFIG.ivr.menus.values() for word in menu.by_keyword})

inputs = st.one_of(
    st.sampled_from("0123456789*#").map(CallerInput.digit),
    st.sampled_from(KEYWORDS).map(CallerInput.words),
    st.text(min_size=1, max_size=30).filter(str.strip).map(CallerInput.words),
    st.just(CallerInput.no_input()),
    st.just(CallerInput.invalid()),
)
instants = st.integers(0, 14 * 24 * 60).map(
    lambda minutes: datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=minutes)
)


@settings(max_examples=150, deadline=None)
@given(sequence=st.lists(inputs, max_size=25), now=instants)
def test_walks_stay_on_the_menus_and_end_properly(
    sequence: list[CallerInput], now: datetime
) -> None:
    current = start(CONFIG)
    taken = 0
    for given_input in sequence:
        if current.finished:
            break
        current = step(CONFIG, current.state, given_input, now)
        taken += 1
        assert current.state.menu in CONFIG.ivr.menus
        assert current.state.misses <= CONFIG.ivr.max_replays
        assert current.say and all(current.say)
    assert len(current.state.path) == taken
    if current.finished:
        assert (current.route is None) != (current.closed is None)
        if current.route is not None:
            assert CONFIG.queues[current.route.queue].hours.is_open(now)
    else:
        assert current.route is None and current.closed is None


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.sampled_from(["", "1", "2", "14", "15", "25", "159", "15*"]).map(
        lambda digits: [CallerInput.digit(d) for d in digits]
    ),
    misses=st.lists(
        st.sampled_from([CallerInput.no_input(), CallerInput.invalid(), CallerInput.digit("8")]),
        min_size=CONFIG.ivr.max_replays + 1,
        max_size=CONFIG.ivr.max_replays + 1,
    ),
)
def test_too_many_misses_end_in_general_care(
    prefix: list[CallerInput], misses: list[CallerInput]
) -> None:
    now = datetime(2026, 3, 10, 18, tzinfo=UTC)
    current = start(CONFIG)
    for given_input in prefix:
        current = step(CONFIG, current.state, given_input, now)
    assert current.state.misses == 0
    for given_input in misses:
        assert not current.finished
        current = step(CONFIG, current.state, given_input, now)
    assert current.route is not None
    assert (current.route.queue, current.route.reason) == ("general_care", RouteReason.FALLBACK)
    assert current.state.path[-1].kind in set(InputKind)


def _leaf_paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in _leaf_paths(value, (*prefix, key))]
    if isinstance(node, list):
        return [p for i, value in enumerate(node) for p in _leaf_paths(value, (*prefix, i))]
    return [prefix]


LEAVES = _leaf_paths(RAW)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(path=st.sampled_from(LEAVES), value=junk)
def test_junk_anywhere_is_accepted_or_refused_by_key(path: tuple[object, ...], value: Any) -> None:
    mapping = copy.deepcopy(RAW)
    node: Any = mapping
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    try:
        parse_routing_config(mapping)
    except RoutingConfigError as error:
        assert error.key
