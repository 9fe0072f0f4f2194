"""Scenario files: the shipped ones load, and a bad value is refused with its key named."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from caredesk.sim.scenario import ScenarioError, load_scenario, parse_scenario, scenario_names

from .scripted import ONE_QUEUE

SHIPPED = {
    "big_day",
    "lognormal_day",
    "mm100",
    "mm100_abandon",
    "mm100_abandon_theta02",
    "multiskill_day",
    "sinusoidal_day",
}


def test_the_shipped_scenarios_load() -> None:
    assert set(scenario_names()) == SHIPPED
    big = load_scenario("big_day")
    assert big.agent_count == 1000
    assert big.arrivals is not None and 95_000 < big.arrivals.expected(0, big.hours) < 105_000
    assert "billing" in big.routing.queues  # the shipped routing file
    mm100 = load_scenario("mm100")
    assert mm100.agent_count == 100 and list(mm100.routing.queues) == ["main"]


def _base() -> dict[str, Any]:
    data = tomllib.loads(ONE_QUEUE)
    data.update(
        {
            "start": tomllib.loads("s = 2026-03-10T12:00:00Z")["s"],
            "hours": 1,
            "arrivals": {"per_hour": 100},
            "handle": {"mean_seconds": 100},
            "traffic": [{"queue": "main"}],
            "agents": [{"name": "a", "count": 2, "skills": {"care": 3}, "primary": ["main"]}],
        }
    )
    return data


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"hours": 0}, "hours"),
        ({"surprise": 1}, "surprise"),
        ({"arrivals": {"shape": "bursty", "per_hour": 1}}, "arrivals.shape"),
        ({"handle": {"mean_seconds": -1}}, "handle.mean_seconds"),
        ({"traffic": [{"queue": "nowhere"}]}, "traffic[0].queue"),
        ({"agents": [{"name": "a", "count": 0, "primary": ["main"]}]}, "agents[0].count"),
        (
            {"agents": [{"name": "a", "count": 1, "skills": {"cooking": 3}, "primary": ["main"]}]},
            "agents[0].skills.cooking",
        ),
        ({"callbacks": {"accept": 2}}, "callbacks.accept"),
        ({"callbacks": {"customers": [{"number": "555-0100"}]}}, "callbacks.customers[0].number"),
        ({"predictors": {"use": ["crystal_ball"]}}, "predictors.use"),
        ({"start": "noon"}, "start"),
        ({"warmup_hours": 2}, "warmup_hours"),
        ({"routing_config": {"routing": {"skills": []}}}, "routing_config.routing.skills"),
    ],
)
def test_a_bad_value_is_refused_with_its_key(change: dict[str, Any], key: str) -> None:
    data = _base()
    if "routing_config" in change:
        data["routing_config"] = {**data["routing_config"], **change["routing_config"]}
    else:
        data.update(change)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert caught.value.key == key, str(caught.value)


def test_a_scenario_file_by_path_and_an_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no scenario 'mm1000'"):
        load_scenario("mm1000")
    broken = tmp_path / "broken.toml"
    broken.write_text("hours = [", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(str(broken))
    with pytest.raises(ScenarioError, match="cannot be read"):
        load_scenario(str(tmp_path / "missing.toml"))
