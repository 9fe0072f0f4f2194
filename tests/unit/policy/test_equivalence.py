"""Decisions stay byte for byte what they were, whatever the caches hold.

A fixed sample of mixed cases comes from the throughput benchmark's generator
(benchmarks/policy_bench.py, seeded): every step, team and role, numbers in one or many zones,
account zones, consents, attempt histories, instants 2024-2030 with DST days over-represented.
Each decision is rendered with decision_to_json (every sentence and fact) and the lines hashed.
The digests were taken from the engine before its caches and shortcuts went in. A deliberate
change to a rule's wording or verdict changes them: look at the difference, then update them here.

Evaluating the sample again with warm caches, in reverse order, and interleaved with another
configuration must give the same bytes: every cache is keyed on all that affects a decision.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

import pytest

from caredesk.policy import (
    DEFAULT_CONFIG,
    PolicyConfig,
    PolicyContext,
    decision_to_json,
    evaluate,
    parse_policy_config,
)

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "policy_bench.py"
# Another team's numbers everywhere: other windows, attempt limits, templates, regions, origins.
OTHER_CONFIG = parse_policy_config(
    {
        "defaults": {"window_start": "08:30", "window_end": "21:00"},
        "lob": {
            "global_care": {"max_attempts_without_contact": 2},
            "care": {
                "window_start": "10:00",
                "window_end": "18:15",
                "international_calling": True,
            },
        },
        "templates": {"default": "Follow Up", "device_troubleshooting": "Device Help"},
        "dialing": {"domestic_regions": ["US", "CA"]},
        "spoke_first": {"exempt_origins": ["queue_callback", "follow_up"]},
        "memo": {"min_field_chars": 12},
    }
)
SAMPLES = {
    # name: (seed, cases, config, sha256 of the decision lines)
    "default": (
        7,
        1500,
        DEFAULT_CONFIG,
        "223ca8ba1bfb52414f889b6f344e8e06727dce033ced34180987620cbabf106b",
    ),
    "other": (
        11,
        1000,
        OTHER_CONFIG,
        "f2bd2b246c4aab8fd080c1e5ff6813e9880a96ae92fce0498007a8e1907c0789",
    ),
}


def _bench() -> ModuleType:
    if not BENCH.is_file():
        pytest.skip("benchmarks/policy_bench.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("policy_bench_cases", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def _sample(seed: int, count: int) -> list[PolicyContext]:
    bench = _bench()
    rng = random.Random(seed)
    numbers = [
        prefix + f"{rng.randrange(10**4):04d}"
        for prefix in bench.NUMBER_PREFIXES
        for _ in range(100)
    ]
    build: Callable[[random.Random, list[str]], PolicyContext] = bench.build_case
    return [build(rng, numbers) for _ in range(count)]


def _lines(cases: Iterable[PolicyContext], config: PolicyConfig) -> list[str]:
    return [json.dumps(decision_to_json(evaluate(ctx, config)), default=str) for ctx in cases]


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_decisions_match_the_engine_before_its_caches(name: str) -> None:
    seed, count, config, digest = SAMPLES[name]
    assert _digest(_lines(_sample(seed, count), config)) == digest


def test_warm_caches_order_and_another_config_change_nothing() -> None:
    seed, count, config, _ = SAMPLES["default"]
    cases = _sample(seed, count)[:600]
    first = _lines(cases, config)
    assert _lines(reversed(cases), config) == first[::-1]
    other = _lines(cases, OTHER_CONFIG)
    interleaved = [
        line for ctx in cases for line in (_lines([ctx], config)[0], _lines([ctx], OTHER_CONFIG)[0])
    ]
    assert interleaved[0::2] == first
    assert interleaved[1::2] == other
    assert other != first
