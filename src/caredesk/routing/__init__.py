"""Inbound contacts: IVR menus, queues, skills, priorities, estimated wait and staffing maths.

The modules here are pure (no database, no I/O, no clock: time is an argument) and import only
the standard library and the shared agent-state vocabulary; a test holds that. The one module
that reads a file is `config_file`, the edge that loads the routing configuration.

- `staffing`: Erlang B, C and A (M/M/n+M), agents needed per interval, a day's plan.
- `service_level`: the written definition of service level and its measurement.
- `config` (+ `config_queues`, `config_ivr`, `config_values`, `hours`): the validated routing
  configuration (queues, business hours, overflow rules, IVR menus).
- `ivr`: the menu walker.
- `model`, `decide`, `state` (+ `rules`, `pools`, `matching`), `reference`: the routing
  decision over a snapshot, its incremental indexed engine and the plain reference it is
  tested against.
- `overflow`: overflow rules at entry and while waiting.
- `wait`, `wait_accuracy`, `announce`: estimated-wait predictors, their measured accuracy and
  what the caller hears.
"""
