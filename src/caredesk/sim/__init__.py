"""The digital twin: a contact centre's day simulated through the real routing and callback code.

- `scenario` (+ `scenario_values`, `randomness`): the day to simulate, read from TOML; the
  shipped scenarios are in `scenarios/`.
- `events`: the event list (a heap, or simpy).
- `twin` (+ `base`, `callback_flow`, `model`, `queue_log`, `dial_gate`): the simulation.
- `figures`: what a run measures; `output`: the table, the CSV and the chart.
- `reference`: what Erlang C and Erlang A say about a scenario, to hold the twin against.
- `cli`: `caredesk sim run SCENARIO`.
"""
